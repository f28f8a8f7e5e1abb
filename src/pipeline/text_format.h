// Format: printf into a std::string, for the report lines of `inspect` (at most 511 characters
// each; longer ones are cut).
#pragma once

#include <cstdio>
#include <string>

namespace actcache::pipeline {

std::string Format(const char* format, auto... args) {
    char text[512];
    std::snprintf(text, sizeof text, format, args...);
    return text;
}

}  // namespace actcache::pipeline
