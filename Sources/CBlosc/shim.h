// System library CBlosc: blosc (Debian libblosc-dev), found with pkg-config.
#pragma once
#include <blosc.h>
