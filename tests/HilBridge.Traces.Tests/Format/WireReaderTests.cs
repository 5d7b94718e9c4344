using HilBridge.Traces.Format;

namespace HilBridge.Traces.Tests.Format;

public class WireReaderTests
{
    public static TheoryData<ulong> Values => [0, 1, 127, 128, 300, 0x1_0000_0000, 0x7f00_0000_1000, ulong.MaxValue];

    [Theory]
    [MemberData(nameof(Values))]
    public void Varint_AtTheEndOrWithRoomToSpare_SameValueAndLength(ulong value)
    {
        var encoded = Encode(value);
        // Alone (the byte-by-byte path near the end) and followed by padding (the path with room for 10 bytes).
        foreach (var data in new[] { encoded, [.. encoded, .. new byte[16]] })
        {
            var r = new WireReader(data);

            Assert.Equal(value, r.Varint());
            Assert.Equal(encoded.Length, r.Position);
        }
    }

    [Fact]
    public void Varint_ElevenBytes_RefusedOnBothPaths()
    {
        var overlong = Enumerable.Repeat((byte)0x80, 10).Append((byte)1).ToArray();
        foreach (var data in new[] { overlong, [.. overlong, .. new byte[16]] })
        {
            Assert.Throws<InvalidDataException>(() => new WireReader(data).Varint());
        }
    }

    [Fact]
    public void Varint_CutShort_Refused() => Assert.Throws<InvalidDataException>(() => new WireReader([0x80, 0x80]).Varint());

    private static byte[] Encode(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
