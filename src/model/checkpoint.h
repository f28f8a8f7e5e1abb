// Checkpoint: the weights of an HF-format model folder, single-file or sharded.
//
// A folder holds either `model.safetensors`, or `model.safetensors.index.json` whose
// "weight_map" maps each tensor name to one of several shard files in the same folder.
// Files are memory-mapped; nothing is read from disk until a view's bytes are touched.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/safetensors_reader.h"

namespace actcache::model {

inline constexpr std::string_view kSingleFileName = "model.safetensors";
inline constexpr std::string_view kIndexFileName = "model.safetensors.index.json";

// Thread-safety: const methods thread-safe.
class Checkpoint {
public:
    // Opens the weights of `model_dir`; the index wins when both files exist. Errors name the
    // file: NotFound "<dir>: no model.safetensors or model.safetensors.index.json" when the
    // folder has neither, NotFound naming the index and the shard when a listed shard file is
    // missing; Corruption for a malformed index (invalid JSON, weight_map not an object of
    // strings, a shard name that is not a plain file name in `model_dir`, a tensor listed in
    // the index that its shard lacks, a listed tensor also found in another shard) or a corrupt
    // shard (see ParseSafetensors). Each distinct shard is opened once.
    // Tensors a shard holds but the index does not list are ignored (not returned by Find,
    // Get or tensors()): the index is the checkpoint's declared inventory, and failing on them
    // would reject checkpoints that transformers loads (it picks shard files from weight_map
    // and only warns about unexpected keys). "metadata.total_size" is not checked: writers
    // disagree on what it counts.
    static Result<std::unique_ptr<Checkpoint>> Open(const std::string& model_dir);

    // The tensor `name`; NotFound "<dir>: tensor 'name' not found" otherwise. The view is valid
    // for the lifetime of this Checkpoint.
    Result<TensorView> Get(std::string_view name) const;
    // nullptr when absent.
    const TensorView* Find(std::string_view name) const;

    // Every tensor, in file order (shard by shard).
    std::vector<const TensorView*> tensors() const;
    const std::string& model_dir() const { return model_dir_; }

    // Drops the pages of `bytes` from resident memory if they belong to one of the mapped shard
    // files (MappedFile::ReleasePages: they stay readable); does nothing for other memory.
    void ReleasePages(std::span<const std::byte> bytes) const;

    ~Checkpoint();

private:
    explicit Checkpoint(std::string model_dir) : model_dir_(std::move(model_dir)) {}

    std::string model_dir_;
    std::vector<std::unique_ptr<SafetensorsFile>> files_;  // one per shard, by shard file name
    // The model's tensors (listed ones only, when sharded), pointing into files_.
    std::vector<const TensorView*> in_file_order_;
    std::map<std::string, const TensorView*, std::less<>> by_name_;
};

}  // namespace actcache::model
