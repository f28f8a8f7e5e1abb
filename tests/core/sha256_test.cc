#include "core/sha256.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/random.h"
#include "support/temp_dir.h"

namespace actcache {
namespace {

std::string Digest(std::string_view text) {
    Sha256 hash;
    hash.Update(text);
    return hash.HexDigest();
}

TEST(Sha256Test, FipsExamples) {
    // FIPS 180-2 appendix B and the empty string.
    EXPECT_EQ(Digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(Digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(Digest(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Independent oracle: coreutils sha256sum, on lengths around every block boundary, fed to us in
// uneven pieces.
TEST(Sha256Test, MatchesSha256sumForAnyLengthAndSplit) {
    testing::TempDir dir;
    SplitMix64 rng(4);
    for (std::size_t length : {1ul, 55ul, 56ul, 63ul, 64ul, 65ul, 119ul, 120ul, 1000ul, 100000ul}) {
        std::string data(length, '\0');
        for (char& c : data) c = static_cast<char>(rng.Next());
        testing::WriteFile(dir.File("data"), data);
        const std::string command = "sha256sum " + dir.File("data") + " > " + dir.File("sum");
        ASSERT_EQ(std::system(command.c_str()), 0);
        const std::string expected = testing::ReadFile(dir.File("sum")).substr(0, 64);
        Sha256 hash;
        for (std::size_t at = 0; at < length;) {
            const std::size_t piece = std::min<std::size_t>(1 + rng.Next() % 97, length - at);
            hash.Update(std::string_view(data).substr(at, piece));
            at += piece;
        }
        EXPECT_EQ(hash.HexDigest(), expected) << "length " << length;
    }
}

}  // namespace
}  // namespace actcache
