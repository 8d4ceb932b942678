# The broken http clients: see ../../../testdata/patched.mk.
ASSIGNMENT := http-client
ROLE := client
include ../../../../testdata/patched.mk
