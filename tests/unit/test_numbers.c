/* Tests for src/numbers.c. The expected values are the count section of the
 * annotation guide: digits with separators, English number words, and vague
 * amounts as their lower bounds with approx set ("dozens" = 24, "hundreds" =
 * 200, "thousands" = 2000, "several" = 3, "a few" = 2, "a dozen" = 12,
 * "scores" = 40, "tens of thousands" = 20000). */
#include "numbers.h"
#include "testlib.h"

#include <stdbool.h>
#include <string.h>

/* Parses s and checks the value and the approx flag. */
#define CHECK_NUMBER(s, want, want_approx)                                                         \
    do {                                                                                           \
        double v_ = -1;                                                                            \
        bool approx_ = !(want_approx);                                                             \
        bool ok_ = newsmine_parse_number((s), strlen(s), &v_, &approx_);                           \
        if (!ok_) testlib_fail(__FILE__, __LINE__, "\"%s\" not parsed", (s));                     \
        else if (v_ != (double)(want) || approx_ != (want_approx))                                \
            testlib_fail(__FILE__, __LINE__, "\"%s\" == %.17g approx %d, want %.17g approx %d",   \
                         (s), v_, (int)approx_, (double)(want), (int)(want_approx));               \
    } while (0)

#define CHECK_NOT_NUMBER(s)                                                                        \
    do {                                                                                           \
        double v_ = -1;                                                                            \
        bool approx_ = false;                                                                      \
        if (newsmine_parse_number((s), strlen(s), &v_, &approx_))                                  \
            testlib_fail(__FILE__, __LINE__, "\"%s\" parsed as %.17g, want no number", (s), v_);  \
    } while (0)

#define CHECK_FORMAT(v, want)                                                                      \
    do {                                                                                           \
        char out_[32];                                                                             \
        size_t n_ = newsmine_format_number((v), out_);                                             \
        CHECK_MEM(out_, n_, (want));                                                               \
    } while (0)

static void test_digits(void)
{
    CHECK_NUMBER("139", 139, false);
    CHECK_NUMBER("0", 0, false);
    CHECK_NUMBER("2,000", 2000, false);
    CHECK_NUMBER("1,234.5", 1234.5, false);
    CHECK_NUMBER("2.5", 2.5, false);
    CHECK_NUMBER("1,000,000", 1000000, false);
    CHECK_NUMBER("12,345", 12345, false);
    CHECK_NUMBER("123,456.75", 123456.75, false);
}

/* A comma is a thousands separator only between groups of three digits. */
static void test_digits_rejected(void)
{
    CHECK_NOT_NUMBER("1,2,3");
    CHECK_NOT_NUMBER("12,34");
    CHECK_NOT_NUMBER("1,0000");
    CHECK_NOT_NUMBER("1234,567");
    CHECK_NOT_NUMBER(",500");
    CHECK_NOT_NUMBER("500,");
    CHECK_NOT_NUMBER("1.234,5");
    CHECK_NOT_NUMBER("1.2.3");
    CHECK_NOT_NUMBER("1e3");
    CHECK_NOT_NUMBER("0x10");
    CHECK_NOT_NUMBER("inf");
    CHECK_NOT_NUMBER("nan");
    CHECK_NOT_NUMBER("-5");
    CHECK_NOT_NUMBER("5-");
    CHECK_NOT_NUMBER("5-10"); /* a range is two numbers, not fifteen */
    CHECK_NOT_NUMBER("1 000");
}

static void test_words(void)
{
    CHECK_NUMBER("one", 1, false);
    CHECK_NUMBER("zero", 0, false);
    CHECK_NUMBER("twelve", 12, false);
    CHECK_NUMBER("forty-five", 45, false);
    CHECK_NUMBER("forty five", 45, false);
    CHECK_NUMBER("one hundred", 100, false);
    CHECK_NUMBER("one hundred thirty-nine", 139, false);
    CHECK_NUMBER("one hundred and thirty-nine", 139, false);
    CHECK_NUMBER("a hundred", 100, false);
    CHECK_NUMBER("two dozen", 24, false);
    CHECK_NUMBER("two million", 2000000, false);
    CHECK_NUMBER("three thousand five hundred", 3500, false);
    CHECK_NUMBER("two thousand and five", 2005, false);
    CHECK_NUMBER("one thousand one hundred", 1100, false);
    CHECK_NUMBER("twenty-one hundred", 2100, false);
    CHECK_NUMBER("one hundred thousand", 100000, false);
    CHECK_NUMBER("one million two hundred thousand three hundred and forty-five", 1200345,
                 false);
    CHECK_NUMBER("a pair", 2, false);
}

static void test_case_insensitive(void)
{
    CHECK_NUMBER("Three", 3, false);
    CHECK_NUMBER("THREE", 3, false);
    CHECK_NUMBER("Forty-Five", 45, false);
    CHECK_NUMBER("Dozens", 24, true);
    CHECK_NUMBER("Several Thousand", 3000, true);
}

static void test_scales(void)
{
    CHECK_NUMBER("1.5 million", 1500000, false);
    CHECK_NUMBER("2 million", 2000000, false);
    CHECK_NUMBER("2,000 million", 2000000000, false);
    CHECK_NUMBER("3 billion", 3e9, false);
    CHECK_NUMBER("2 dozen", 24, false);
}

static void test_vague(void)
{
    CHECK_NUMBER("a dozen", 12, true);
    CHECK_NUMBER("dozens", 24, true);
    CHECK_NUMBER("hundreds", 200, true);
    CHECK_NUMBER("thousands", 2000, true);
    CHECK_NUMBER("tens of thousands", 20000, true);
    CHECK_NUMBER("hundreds of thousands", 200000, true);
    CHECK_NUMBER("several thousand", 3000, true);
    CHECK_NUMBER("several hundred", 300, true);
    CHECK_NUMBER("a few", 2, true);
    CHECK_NUMBER("few", 2, true);
    CHECK_NUMBER("a few hundred", 200, true);
    CHECK_NUMBER("several", 3, true);
    CHECK_NUMBER("scores", 40, true);
    CHECK_NUMBER("hundreds of millions", 200000000, true);
    /* the other vague amounts rules/en/00-common.rules matches */
    CHECK_NUMBER("several dozen", 36, true);
    CHECK_NUMBER("a few dozen", 24, true);
    CHECK_NUMBER("a couple", 2, true);
    CHECK_NUMBER("a couple hundred", 200, true);
    CHECK_NUMBER("a few thousand", 2000, true);
    CHECK_NUMBER("several million", 3000000, true);
}

static void test_not_numbers(void)
{
    CHECK_NOT_NUMBER("");
    CHECK_NOT_NUMBER(" ");
    CHECK_NOT_NUMBER("-");
    CHECK_NOT_NUMBER("abc");
    CHECK_NOT_NUMBER("and");
    CHECK_NOT_NUMBER("of thousands");
    CHECK_NOT_NUMBER("hundreds of");
    CHECK_NOT_NUMBER("one and");
    CHECK_NOT_NUMBER("a a");
    CHECK_NOT_NUMBER("one soldier");
    /* a list of numbers is not a number */
    CHECK_NOT_NUMBER("one two three four five six seven eight nine ten eleven twelve thirteen");
    CHECK_NOT_NUMBER("one two");
    CHECK_NOT_NUMBER("one twenty");
    CHECK_NOT_NUMBER("twenty thirty");
    CHECK_NOT_NUMBER("five twelve");
    CHECK_NOT_NUMBER("two dozen three");
    CHECK_NOT_NUMBER("one hundred hundred");
    CHECK_NOT_NUMBER("one thousand two million");
    CHECK_NOT_NUMBER("one thousand thousand");
    CHECK_NOT_NUMBER("5 10");
    CHECK_NOT_NUMBER("five 10");
    CHECK_NOT_NUMBER("averyveryveryverylongwordthatisnotanumber");
}

static void test_prefix_is_not_enough(void)
{
    /* the whole text must be one number */
    double v = -1;
    bool approx = true;
    CHECK(newsmine_parse_number("139 troops", 3, &v, &approx));
    CHECK(v == 139);
    CHECK(!approx);
    CHECK(!newsmine_parse_number("139 troops", 10, &v, &approx));
}

static void test_scale_word(void)
{
    CHECK(newsmine_scale_word("million", 7) == 1e6);
    CHECK(newsmine_scale_word("Million", 7) == 1e6);
    CHECK(newsmine_scale_word("bn", 2) == 1e9);
    CHECK(newsmine_scale_word("thousand", 8) == 1000);
    CHECK(newsmine_scale_word("hundred", 7) == 0);
    CHECK(newsmine_scale_word("troops", 6) == 0);
    CHECK(newsmine_scale_word("", 0) == 0);
}

static void test_format(void)
{
    CHECK_FORMAT(67, "67");
    CHECK_FORMAT(0, "0");
    CHECK_FORMAT(2.5, "2.5");
    CHECK_FORMAT(1e9, "1000000000");
    CHECK_FORMAT(1500000, "1500000");
    CHECK_FORMAT(-3, "-3");
    CHECK_FORMAT(0.1, "0.1");
    CHECK_FORMAT(1234.5, "1234.5");
    CHECK_FORMAT(123456789.25, "123456789.25"); /* no digits lost */
    /* whole numbers are written by hand: the edges of that path */
    CHECK_FORMAT(-0.0, "-0");
    CHECK_FORMAT(999999999999999.0, "999999999999999");
    CHECK_FORMAT(-123456789012345.0, "-123456789012345");
    CHECK_FORMAT(1e15, "1e+15");
}

int main(void)
{
    static const testlib_case cases[] = {
        TEST(test_digits),
        TEST(test_digits_rejected),
        TEST(test_words),
        TEST(test_case_insensitive),
        TEST(test_scales),
        TEST(test_vague),
        TEST(test_not_numbers),
        TEST(test_prefix_is_not_enough),
        TEST(test_scale_word),
        TEST(test_format),
    };
    return testlib_run(cases, sizeof cases / sizeof cases[0]);
}
