// Merging the card actcache writes into a README.md that already exists (on the Hub, say), the
// way datasets.push_to_hub keeps what others wrote (reference/hf-formats-and-hub.md §A.3):
//
//   front matter  their top-level keys stay, in their order; the keys the new card sets
//                 (dataset_info, configs) take the new card's value in place; keys only the new
//                 card has are appended.
//   body          the generated section (between kCardSectionBegin and kCardSectionEnd) is
//                 replaced by the new card's; text around it is kept; a body without the
//                 section gets it appended.
//
// The merge is idempotent: merging the same new card into its own result changes nothing, so a
// second push of an unchanged dataset commits nothing.
//
// The front matter is split into top-level blocks by lines, not parsed: a block is a line that
// starts with a key at column 0 plus the lines after it that are indented, are sequence items
// ("- ", which PyYAML writes unindented under a key), comments or blank. That covers the block
// style every Hub card writer emits (PyYAML, huggingface_hub, actcache).
#pragma once

#include <string>
#include <string_view>

namespace actcache::dataset {

inline constexpr std::string_view kCardSectionBegin =
    "<!-- actcache: generated section, replaced on every push; text outside it is kept -->\n";
inline constexpr std::string_view kCardSectionEnd = "<!-- actcache: end of generated section -->\n";

// `ours` merged into `theirs` (both full README.md texts; `theirs` may have no front matter).
// REQUIRES: ours starts with a front matter block ("---\n" ... "---\n").
std::string MergeDatasetCard(const std::string& ours, const std::string& theirs);

}  // namespace actcache::dataset
