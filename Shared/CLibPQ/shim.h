#ifndef CCR_CLIBPQ_SHIM_H
#define CCR_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
