# The broken smtp clients: see ../../../testdata/patched.mk.
ASSIGNMENT := smtp-client
ROLE := client
include ../../../../testdata/patched.mk
