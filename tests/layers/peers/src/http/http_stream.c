/* one route family that includes another */
#include "http_hls.h"
#include "http.h"
