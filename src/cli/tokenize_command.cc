// `actcache tokenize`: text on stdin -> token ids on stdout, one line in, one line out, with a
// Hugging Face tokenizer.json; `--decode` for the reverse.
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/command.h"
#include "core/json.h"
#include "tokenizer/tokenizer.h"

namespace actcache::cli {
namespace {

struct TokenizeOptions {
    std::string tokenizer_path;
    bool add_special = false;
    bool raw = false;
    bool decode = false;
    bool skip_special = false;
    std::int64_t max_length = -1;
};

std::string IdsJson(const std::vector<std::int32_t>& ids) {
    std::string out = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) out += ',';
        out += std::to_string(ids[i]);
    }
    return out + "]";
}

Result<std::vector<std::int32_t>> ParseIds(const std::string& line, std::int64_t line_number) {
    auto where = [&] { return "stdin:" + std::to_string(line_number) + ": "; };
    Result<JsonValue> json = ParseJson(line);
    if (!json.ok()) return Status::InvalidArgument(where() + json.status().message());
    if (!json->is_array()) return Status::InvalidArgument(where() + "expected a JSON array of token ids");
    std::vector<std::int32_t> ids;
    for (const JsonValue& item : json->items()) {
        if (!item.is_integer() || item.as_int64() < 0 || item.as_int64() > INT32_MAX) {
            return Status::InvalidArgument(where() + "expected a JSON array of token ids");
        }
        ids.push_back(static_cast<std::int32_t>(item.as_int64()));
    }
    return ids;
}

Status Tokenize(const TokenizeOptions& options) {
    ACT_ASSIGN_OR_RETURN(auto tokenizer, tokenizer::Tokenizer::Load(options.tokenizer_path));
    std::string line;
    std::int64_t line_number = 0;
    std::string out;
    while (std::getline(std::cin, line)) {
        ++line_number;
        out.clear();
        if (options.decode) {
            ACT_ASSIGN_OR_RETURN(std::vector<std::int32_t> ids, ParseIds(line, line_number));
            Result<std::string> text = tokenizer->Decode(ids, options.skip_special);
            if (!text.ok()) return text.status().WithContext("stdin:" + std::to_string(line_number));
            AppendJsonString(*text, out);
        } else {
            std::string text = line;
            if (!options.raw) {
                Result<JsonValue> json = ParseJson(line);
                if (!json.ok() || !json->is_string()) {
                    return Status::InvalidArgument(
                        "stdin:" + std::to_string(line_number) + ": expected a JSON string per line" +
                        (json.ok() ? "" : " (" + json.status().message() + ")") + "; use --raw for plain lines");
                }
                text = json->as_string();
            }
            const auto ids = options.max_length >= 0
                                 ? tokenizer->EncodeTruncated(text, options.add_special, options.max_length)
                                 : tokenizer->Encode(text, options.add_special);
            out = IdsJson(ids);
        }
        out += '\n';
        if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
            return Status::IOError("stdout: write failed");
        }
    }
    return Status::Ok();
}

}  // namespace

Subcommand AddTokenizeCommand(CLI::App& parent) {
    auto options = std::make_shared<TokenizeOptions>();
    CLI::App* app = parent.add_subcommand(
        "tokenize",
        "Tokenize stdin with a tokenizer.json: one JSON string (or, with --raw, one plain line) "
        "per line in, one JSON array of ids per line out; --decode for the reverse");
    app->add_option("--tokenizer", options->tokenizer_path,
                    "tokenizer.json, or a model folder holding one")
        ->required()
        ->check(CLI::ExistingPath);
    app->add_flag("--add-special", options->add_special,
                  "Add the template's special tokens (BOS for Llama 3), like add_special_tokens=True");
    app->add_flag("--raw", options->raw, "Input lines are plain text, not JSON strings");
    app->add_option("--max-length", options->max_length,
                    "Keep the first N ids (truncation=True, max_length=N)")
        ->check(CLI::NonNegativeNumber);
    auto* decode = app->add_flag("--decode", options->decode,
                                 "Read JSON arrays of ids, write the decoded text as JSON strings");
    app->add_flag("--skip-special", options->skip_special, "With --decode: drop special tokens")
        ->needs(decode);
    return Subcommand{app, [options] { return Tokenize(*options); }};
}

}  // namespace actcache::cli
