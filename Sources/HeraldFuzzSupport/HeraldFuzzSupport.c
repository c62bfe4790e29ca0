// Only the declaration in include/HeraldFuzzSupport.h; the definition comes from libFuzzer in fuzzing builds.
#include "HeraldFuzzSupport.h"
