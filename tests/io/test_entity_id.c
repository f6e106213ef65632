/* SHA-256 against the FIPS 180-4 examples and Python's hashlib around the
 * block boundaries, and the entity id formula of entity_id.h. */
#include "entity_id.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex(const uint8_t d[32], char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check_sha(const void *data, size_t n, const char *want)
{
    uint8_t d[32];
    char h[65];
    sha256(data, n, d);
    hex(d, h);
    CHECK_STR(h, want);
}

static void test_fips_vectors(void)
{
    check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_sha(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char *million = malloc(1000000);
    CHECK(million != NULL);
    if (!million) return;
    memset(million, 'a', 1000000);
    check_sha(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(million);
}

/* Lengths around the padding boundaries, one-shot; values from Python:
 * hashlib.sha256(b"x" * n).hexdigest(). */
static void test_boundaries(void)
{
    static const struct {
        size_t n;
        const char *want;
    } cases[] = {
        {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
        {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
        {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
        {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
        {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
        {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
        {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
        {128, "24da1b81d0b16df6428eee73c69fcb2a93c76bc6df706f0c6670fe6bfe800464"},
    };
    char big[200];
    memset(big, 'x', sizeof big);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check_sha(big, cases[i].n, cases[i].want);
    /* the entity id hashes its parts without joining them: the same digest
     * as the joined string, whatever the length of the document id */
    for (size_t n = 40; n < 140; n++) {
        char a[ENTITY_ID_LEN + 1], msg[256];
        entity_id(big, n, "place", 1, 2, a);
        memcpy(msg, big, n);
        int k = snprintf(msg + n, sizeof msg - n, ":place:1:2");
        uint8_t d[32];
        char h[65];
        sha256(msg, n + (size_t)k, d);
        hex(d, h);
        h[ENTITY_ID_LEN] = '\0';
        CHECK_STR(a, h);
    }
}

static void test_entity_id(void)
{
    char id[ENTITY_ID_LEN + 1];
    entity_id("seed-000", 8, "count", 2420, 2443, id);
    /* hashlib.sha256(b"seed-000:count:2420:2443").hexdigest()[:32] */
    CHECK_STR(id, "d7754b88806eb579322a84f0c4aaba25");
    CHECK_INT(strlen(id), 32);
    char other[ENTITY_ID_LEN + 1];
    entity_id("seed-000", 8, "count", 2420, 2444, other);
    CHECK(strcmp(id, other) != 0);
}

int main(void)
{
    static const testlib_case cases[] = {TEST(test_fips_vectors), TEST(test_boundaries),
                                         TEST(test_entity_id)};
    return testlib_run(cases, sizeof cases / sizeof *cases);
}
