/* a helper that includes a mechanism */
#include "http.h"
