namespace HilBridge.Bench;

/// <summary>
/// The order in which the peers take turns, round by round: a Williams design. Over one full cycle
/// (n rounds for an even number of peers, 2n for an odd one) every peer runs in every position equally
/// often and every peer follows every other peer equally often, so neither "who goes first" nor "who ran
/// just before" (a C# block warming the CPU's caches, a DPDK block leaving its pages hot) favours anyone.
/// A plain rotation balances positions but not predecessors: with 3 peers the floor always followed the
/// same peer.
/// </summary>
public static class BalancedOrder
{
    /// <summary>Rounds in one balanced cycle for <paramref name="peers"/> peers.</summary>
    public static int CycleLength(int peers) => peers % 2 == 0 ? peers : 2 * peers;

    /// <summary>The peer indexes (0..peers-1) in the order they run in <paramref name="round"/> (0-based).</summary>
    public static int[] ForRound(int peers, int round)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(peers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        // The first row of a Williams square: 0, 1, n-1, 2, n-2, ...; row r adds r (mod n).
        var first = new int[peers];
        for (int i = 0, low = 1, high = peers - 1; i < peers; i++)
        {
            first[i] = i == 0 ? 0 : i % 2 == 1 ? low++ : high--;
        }

        var row = round % peers;
        var order = first.Select(p => (p + row) % peers).ToArray();
        // For an odd number of peers the mirrored square completes the balance of predecessors.
        if (peers % 2 == 1 && round / peers % 2 == 1)
        {
            Array.Reverse(order);
        }

        return order;
    }

    /// <summary>Rounds to run so that <paramref name="wanted"/> rounds cover whole balanced cycles (at least one).</summary>
    public static int RoundUpToCycles(int peers, int wanted)
    {
        var cycle = CycleLength(peers);
        return Math.Max(cycle, (wanted + cycle - 1) / cycle * cycle);
    }
}
