// SPDX-License-Identifier: MIT
// (kernels for this family go here)
export const conv_family: i32 = 0;
