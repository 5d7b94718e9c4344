using System.Numerics;

namespace HilBridge.Core.Engine;

/// <summary>
/// Bounded log-linear histogram of durations in ticks (HdrHistogram's layout, 6 significant bits):
/// values below 64 ticks are exact, larger ones fall in buckets no wider than 1/32 of their value,
/// so percentiles are within ~3% whatever the range (100 ns to days) in a fixed 15 KiB.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBuckets = 1 << SubBucketBits;      // 64 exact values below 2^6
    private const int HalfSubBuckets = SubBuckets / 2;        // each further power of two adds 32 buckets

    private readonly long[] _counts = new long[(64 - SubBucketBits + 1) * HalfSubBuckets + HalfSubBuckets];
    private long _min = long.MaxValue;
    private long _max;

    public long Count { get; private set; }

    public void Record(TimeSpan value)
    {
        long ticks = Math.Max(0, value.Ticks);
        _counts[IndexOf((ulong)ticks)]++;
        Count++;
        _min = Math.Min(_min, ticks);
        _max = Math.Max(_max, ticks);
    }

    /// <summary>The value at <paramref name="percentile"/> (0..100), or null with no samples.</summary>
    public TimeSpan? Percentile(double percentile)
    {
        if (Count == 0)
        {
            return null;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100.0);
        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                long highest = (long)Math.Min(HighestEquivalent(i), long.MaxValue);
                return TimeSpan.FromTicks(Math.Clamp(highest, _min, _max));
            }
        }

        return TimeSpan.FromTicks(_max);
    }

    /// <summary>The non-empty buckets in ascending order: the largest value each holds and its count.</summary>
    public IEnumerable<(TimeSpan UpTo, long Count)> Buckets()
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] > 0)
            {
                yield return (TimeSpan.FromTicks((long)Math.Min(HighestEquivalent(i), long.MaxValue)), _counts[i]);
            }
        }
    }

    private static int IndexOf(ulong value)
    {
        if (value < SubBuckets)
        {
            return (int)value;
        }

        int shift = 64 - BitOperations.LeadingZeroCount(value) - SubBucketBits;   // >= 1
        return shift * HalfSubBuckets + (int)(value >> shift);                    // value >> shift is in [32, 64)
    }

    private static ulong HighestEquivalent(int index)
    {
        if (index < SubBuckets)
        {
            return (ulong)index;
        }

        int shift = index / HalfSubBuckets - 1;
        ulong mantissa = (ulong)(index - shift * HalfSubBuckets);
        return ((mantissa + 1) << shift) - 1;
    }
}
