#pragma once

// Helpers for the host tests that hold abi/linux against the host's own
// Linux and C library headers (the host is Linux x86-64).

#include <gtest/gtest.h>

#include <cstddef>

/// Our structure's field sits where the host's does.
#define EXPECT_SAME_OFFSET(ours, field, theirs, their_field) \
  EXPECT_EQ(offsetof(ours, field), offsetof(theirs, their_field)) << #field

/// Our field has the host's field's size.
#define EXPECT_SAME_FIELD_SIZE(ours, field, theirs, their_field) \
  EXPECT_EQ(sizeof(ours::field), sizeof(theirs::their_field)) << #field

/// Our constant has the host's value (compared as 64-bit signed, so that
/// the host's int and our uint32_t agree on values like 0x80000000).
#define EXPECT_SAME_VALUE(ours, theirs) \
  EXPECT_EQ(static_cast<int64_t>(ours), static_cast<int64_t>(theirs)) << #ours " vs " #theirs
