/* a helper that includes another that includes it back */
#include "log.h"
