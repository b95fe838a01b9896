/* a fetch module that includes the worker's http.h */
#include "http.h"
