#include "common.h"
PROG { return 0; }
