// System library CTiff: libtiff-4 (Debian libtiff-dev), found with pkg-config.
#pragma once
#include <tiffio.h>
