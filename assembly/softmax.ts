// SPDX-License-Identifier: MIT
// (kernels for this family go here)
export const softmax_family: i32 = 0;
