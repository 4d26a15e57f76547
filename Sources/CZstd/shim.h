// System library CZstd: libzstd (Debian libzstd-dev), found with pkg-config.
#pragma once
#define ZSTD_STATIC_LINKING_ONLY 1
#include <zstd.h>
