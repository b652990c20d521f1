# Empty dependencies file for ringkit_llhttp.
# This may be replaced when dependencies are built.
