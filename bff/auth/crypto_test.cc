#include "bff/auth/crypto.h"

#include "gtest/gtest.h"

namespace fleet::bff::auth {
namespace {

TEST(CryptoTest, PasswordHashesAreSaltedAndVerify) {
  const std::string h1 = HashPassword("correct horse", 1000);
  const std::string h2 = HashPassword("correct horse", 1000);
  EXPECT_NE(h1, h2);  // per-hash salt
  EXPECT_EQ(h1.rfind("pbkdf2-sha256$1000$", 0), 0u) << h1;
  EXPECT_TRUE(VerifyPassword("correct horse", h1));
  EXPECT_TRUE(VerifyPassword("correct horse", h2));
  EXPECT_FALSE(VerifyPassword("correct horsE", h1));
  EXPECT_FALSE(VerifyPassword("", h1));
  for (const char* bad : {"", "pbkdf2-sha256$1000$zz$00", "md5$1$00$00", "pbkdf2-sha256$0$00$" , "x$y"}) {
    EXPECT_FALSE(VerifyPassword("correct horse", bad)) << bad;
  }
}

TEST(CryptoTest, KnownPbkdf2Vector) {
  // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", c=1, dkLen=64) starts 55ac046e56e3089f.
  // Our format fixes dkLen=32 (a prefix of the same stream).
  const std::string hash = "pbkdf2-sha256$1$73616c74$55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc";
  EXPECT_TRUE(VerifyPassword("passwd", hash));
  EXPECT_FALSE(VerifyPassword("passwe", hash));
}

TEST(CryptoTest, Sha256AndRandom) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(RandomHex(32).size(), 64u);
  EXPECT_NE(RandomHex(16), RandomHex(16));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(CryptoTest, ApiKeyFormat) {
  KeyParts p = NewApiKeyParts();
  EXPECT_EQ(p.id.size(), 16u);
  EXPECT_EQ(p.secret.size(), 64u);
  const std::string key = FormatApiKey(p);
  EXPECT_EQ(key.rfind("fk_" + p.id + "_", 0), 0u);
  auto back = ParseApiKey(key);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->id, p.id);
  EXPECT_EQ(back->secret, p.secret);
  for (const std::string& bad : {std::string(""), std::string("fk_"), "xk_" + key.substr(3), key + "0",
                                 key.substr(0, key.size() - 1) + "G", "fk_" + p.id + "-" + p.secret}) {
    EXPECT_FALSE(ParseApiKey(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace fleet::bff::auth
