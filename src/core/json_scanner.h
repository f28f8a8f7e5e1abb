// JsonScanner: the lexical layer of actcache's JSON readers (RFC 8259), shared by the DOM parser
// (json.h) and the single-field extractor (json_field.h) so both accept exactly the same text.
//
// Strings must be valid UTF-8 without lone surrogate escapes; numbers follow the JSON grammar;
// errors are Corruption "line L, column C: <what>" (column in code points).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace actcache {

// One owner, not thread-safe. The scanned text must outlive the scanner.
class JsonScanner {
public:
    explicit JsonScanner(std::string_view text) : text_(text) {}

    std::size_t pos() const { return pos_; }
    bool AtEnd() const { return pos_ >= text_.size(); }
    // REQUIRES: !AtEnd().
    char Peek() const { return text_[pos_]; }
    void Advance() { ++pos_; }
    void SkipWhitespace();
    // Consumes `literal` if the text continues with it.
    bool ConsumeLiteral(std::string_view literal);

    // At a '"': scans the string, appending its decoded value to *out (cleared first), or only
    // validating it when out is null.
    Status ScanString(std::string* out);
    // At '-' or a digit: scans a number; *literal is its text, *is_integer true when it has no
    // fraction or exponent.
    Status ScanNumber(std::string_view* literal, bool* is_integer);

    // At '{': walks the members. For each, the key is decoded into *key, the scanner is left at
    // the value, and on_member(key_pos) must scan that value (key_pos: where the key starts, for
    // messages). Separators, whitespace and their errors are handled here, once for every reader.
    template <typename OnMember>
    Status ScanObject(std::string* key, OnMember&& on_member);
    // At '[': calls on_item() with the scanner at each element, which it must scan.
    template <typename OnItem>
    Status ScanArray(OnItem&& on_item);

    Status Error(std::string_view what) const { return ErrorAt(pos_, what); }
    Status ErrorAt(std::size_t at, std::string_view what) const;
    // `c` for messages: itself if printable ASCII, else \xNN.
    static std::string PrintableChar(char c);

private:
    Status ScanHex4(std::uint32_t& out);
    std::size_t Utf8SequenceLength() const;

    std::string_view text_;
    std::size_t pos_ = 0;
};

template <typename OnMember>
Status JsonScanner::ScanObject(std::string* key, OnMember&& on_member) {
    Advance();  // '{'
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
        Advance();
        return Status::Ok();
    }
    while (true) {
        SkipWhitespace();
        if (AtEnd() || Peek() != '"') return Error("expected a string key in object");
        const std::size_t key_pos = pos_;
        ACT_RETURN_IF_ERROR(ScanString(key));
        SkipWhitespace();
        if (AtEnd() || Peek() != ':') return Error("expected ':' after key");
        Advance();
        SkipWhitespace();
        ACT_RETURN_IF_ERROR(on_member(key_pos));
        SkipWhitespace();
        if (AtEnd()) return Error("unexpected end of input in object");
        if (Peek() == ',') {
            Advance();
            continue;
        }
        if (Peek() == '}') {
            Advance();
            return Status::Ok();
        }
        return Error("expected ',' or '}' in object");
    }
}

template <typename OnItem>
Status JsonScanner::ScanArray(OnItem&& on_item) {
    Advance();  // '['
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
        Advance();
        return Status::Ok();
    }
    while (true) {
        SkipWhitespace();
        ACT_RETURN_IF_ERROR(on_item());
        SkipWhitespace();
        if (AtEnd()) return Error("unexpected end of input in array");
        if (Peek() == ',') {
            Advance();
            continue;
        }
        if (Peek() == ']') {
            Advance();
            return Status::Ok();
        }
        return Error("expected ',' or ']' in array");
    }
}

}  // namespace actcache
