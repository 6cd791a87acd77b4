// SPDX-License-Identifier: MIT
// (kernels for this family go here)
export const pool_family: i32 = 0;
