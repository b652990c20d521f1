# Empty dependencies file for echo_server.
# This may be replaced when dependencies are built.
