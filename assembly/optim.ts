// SPDX-License-Identifier: MIT
// (kernels for this family go here)
export const optim_family: i32 = 0;
