file(REMOVE_RECURSE
  "libringkit_llhttp.a"
)
