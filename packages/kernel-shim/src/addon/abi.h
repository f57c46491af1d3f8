#pragma once
#include <linux/types.h>
#include "sockgate-abi.h"
