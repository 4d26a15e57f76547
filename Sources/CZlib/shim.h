// System library CZlib: zlib (Debian zlib1g-dev), found with pkg-config.
#pragma once
#include <zlib.h>
