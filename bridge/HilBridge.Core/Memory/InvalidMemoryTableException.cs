namespace HilBridge.Core.Memory;

/// <summary>
/// A memory table from QEMU that cannot be trusted for translation. Thrown only by the
/// <see cref="MemoryTable"/> constructor; <see cref="MemoryTable.TryCreate"/> hands it back as a value.
/// </summary>
public sealed class InvalidMemoryTableException : Exception
{
    public InvalidMemoryTableException(MemoryTableError error, int regionIndex, string message)
        : base(message)
    {
        Error = error;
        RegionIndex = regionIndex;
    }

    public MemoryTableError Error { get; }

    /// <summary>Index of the offending region in the caller's list (-1 when the table as a whole is wrong).</summary>
    public int RegionIndex { get; }
}
