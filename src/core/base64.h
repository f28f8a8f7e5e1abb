// Base64 (RFC 4648, standard alphabet, '=' padding).
#pragma once

#include <string>
#include <string_view>

namespace actcache {

std::string Base64Encode(std::string_view bytes);

}  // namespace actcache
