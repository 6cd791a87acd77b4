// SPDX-License-Identifier: MIT
// (kernels for this family go here)
export const im2col_family: i32 = 0;
