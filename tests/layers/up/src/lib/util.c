/* a helper (lib) that includes the worker's http.h */
#include "http.h"
