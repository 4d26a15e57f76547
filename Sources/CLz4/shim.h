// System library CLz4: liblz4 (Debian liblz4-dev), found with pkg-config.
#pragma once
#include <lz4.h>
