#ifndef CCR_CHIREDIS_SHIM_H
#define CCR_CHIREDIS_SHIM_H
/* hiredis.pc carries -D_FILE_OFFSET_BITS=64, which SwiftPM refuses, so no pkgConfig here. */
#include <hiredis/hiredis.h>
#endif
