#ifndef CCR_CZLIB_SHIM_H
#define CCR_CZLIB_SHIM_H
#include <zlib.h>
#endif
