/* test_base64.c -- RFC 4648 vectors, round trips and strict decoding. */
#include <string.h>

#include "t.h"
#include "util/base64.h"

static void check_pair(const char *plain, const char *encoded)
{
    struct sy_buf b;
    buf_init(&b, 1 << 20);
    T_EQ_INT(base64_encode(plain, strlen(plain), &b, NULL), SY_OK);
    T_EQ_STR(b.data ? b.data : "", encoded);
    T_EQ_INT(base64_encoded_len(strlen(plain)), strlen(encoded));
    buf_reset(&b);
    T_EQ_INT(base64_decode(encoded, strlen(encoded), &b, NULL), SY_OK);
    T_EQ_STR(b.data ? b.data : "", plain);
    buf_cleanup(&b);
}

static void test_rfc_vectors(void)
{
    check_pair("", "");
    check_pair("f", "Zg==");
    check_pair("fo", "Zm8=");
    check_pair("foo", "Zm9v");
    check_pair("foob", "Zm9vYg==");
    check_pair("fooba", "Zm9vYmE=");
    check_pair("foobar", "Zm9vYmFy");
}

static void test_round_trip_all_bytes(void)
{
    unsigned char data[4099];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 7 + 3);
    for (size_t n = 0; n < sizeof data; n += 97) {
        struct sy_buf enc, dec;
        buf_init(&enc, 1 << 20);
        buf_init(&dec, 1 << 20);
        T_EQ_INT(base64_encode(data, n, &enc, NULL), SY_OK);
        T_EQ_INT(enc.len, base64_encoded_len(n));
        T_EQ_INT(base64_decode(enc.data ? enc.data : "", enc.len, &dec, NULL), SY_OK);
        T_EQ_INT(dec.len, n);
        T_ASSERT(n == 0 || memcmp(dec.data, data, n) == 0);
        buf_cleanup(&enc);
        buf_cleanup(&dec);
    }
}

static void test_strict(void)
{
    const char *bad[] = {"Zg=", "Zg", "Z===", "Zm9v\n", "Zm 9", "Zh==", "Zm9=Zm9v", "=Zm9",
                         "Zm8%"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sy_buf b;
        buf_init(&b, 1 << 20);
        struct sy_err err;
        T_EQ_INT(base64_decode(bad[i], strlen(bad[i]), &b, &err), SY_EINVAL);
        buf_cleanup(&b);
    }
}

static void test_limit(void)
{
    struct sy_buf b;
    buf_init(&b, 5);
    T_EQ_INT(base64_encode("foobar", 6, &b, NULL), SY_ETOOLARGE);
    buf_cleanup(&b);
}

int main(void)
{
    T_RUN(test_rfc_vectors);
    T_RUN(test_round_trip_all_bytes);
    T_RUN(test_strict);
    T_RUN(test_limit);
    return t_done();
}
