# The broken dns programs: see ../../../testdata/patched.mk.
ASSIGNMENT := dns
include ../../../../testdata/patched.mk
