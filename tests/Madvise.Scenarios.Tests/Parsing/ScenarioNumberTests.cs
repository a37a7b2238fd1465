using System.Globalization;
using System.Numerics;
using CsCheck;

namespace Madvise.Scenarios.Tests.Parsing;

/// <summary>Numbers and sizes wrap modulo 2^64 exactly as arbitrary-precision arithmetic masked to 64 bits does (scnhost.py's rule).</summary>
public class ScenarioNumberTests
{
    private static readonly BigInteger Two64 = BigInteger.One << 64;

    private static readonly Gen<BigInteger> Magnitude =
        Gen.OneOf(
            Gen.ULong.Select(u => new BigInteger(u)),
            Gen.ULong.Select(Gen.ULong, (a, b) => (new BigInteger(a) << 64) + b),
            Gen.Int[0, 10000].Select(i => new BigInteger(i)));

    private static ulong Mask(BigInteger v) => (ulong)(((v % Two64) + Two64) % Two64);

    [Fact]
    public void WrapsLikeMaskedBigIntegers()
    {
        Gen.Select(Magnitude, Gen.Bool, Gen.Bool, Gen.Int[0, 4]).Sample((m, negative, hex, unitIndex) =>
        {
            var digits = hex ? "0x" + m.ToString("x", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(1, '0') : m.ToString(CultureInfo.InvariantCulture);
            var unit = "\0pkmg"[unitIndex];
            var text = (negative ? "-" : "") + digits + (unit == '\0' ? "" : unit.ToString());
            var factor = unit switch { 'p' => 4096, 'k' => 1024, 'm' => 1 << 20, 'g' => 1 << 30, _ => 1 };
            var exact = (negative ? -m : m) * factor;
            Assert.True(ScenarioNumber.TryParseSize(text, out var size), text);
            Assert.Equal(Mask(exact), size);
            if (unit == '\0')
            {
                Assert.True(ScenarioNumber.TryParse(text, out var number), text);
                Assert.Equal(Mask(negative ? -m : m), number.Wrapped);
                Assert.Equal(m >= Two64, number.Overflow);
                Assert.Equal(m.IsZero || !negative ? (m < 256) : false, number.IsInRange(255));
            }
        });
    }

    [Theory]
    [InlineData("-0", 0UL, true)]
    [InlineData("255", 255UL, true)]
    [InlineData("256", 256UL, false)]
    [InlineData("-1", ulong.MaxValue, false)]
    [InlineData("0x1ff", 0x1ffUL, false)]
    public void RangeCheckUsesTheExactValue(string text, ulong wrapped, bool isByte)
    {
        Assert.True(ScenarioNumber.TryParse(text, out var n));
        Assert.Equal(wrapped, n.Wrapped);
        Assert.Equal(isByte, n.IsInRange(255));
    }
}
