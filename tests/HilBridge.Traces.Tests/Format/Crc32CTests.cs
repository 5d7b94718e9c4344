using HilBridge.Traces.Format;

namespace HilBridge.Traces.Tests.Format;

public class Crc32CTests
{
    [Fact]
    public void Compute_CheckValue_IsTheCastagnoliOne() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Fact]
    public void Compute_EveryLengthUpTo40_EqualsTheBitwiseDefinition()
    {
        // Every tail (8-, 4-, 2- and 1-byte steps) against the polynomial applied bit by bit.
        var data = Enumerable.Range(0, 40).Select(i => (byte)(i * 37 + 11)).ToArray();
        for (int n = 0; n <= data.Length; n++)
        {
            Assert.True(Bitwise(data.AsSpan(0, n)) == Crc32C.Compute(data.AsSpan(0, n)), $"length {n}");
        }
    }

    private static uint Bitwise(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
