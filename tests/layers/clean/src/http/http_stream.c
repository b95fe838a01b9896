#include "routes.h"
#include "util.h"
