// The ABI header is C; in C++ its size asserts are spelled static_assert.
#pragma once
#include <linux/types.h>
#define _Static_assert static_assert
#include "sockgate-abi.h"
#undef _Static_assert
