namespace CriPS.Engine.Mapping;

/// <summary>Where objects come from: stamped on each so reports over many nodes can group by node.</summary>
internal sealed record Origin(string RuntimeEndpoint, string ComputerName)
{
    public T Stamp<T>(T item) where T : CriObject
    {
        item.RuntimeEndpoint = RuntimeEndpoint;
        item.ComputerName = ComputerName;
        return item;
    }
}
