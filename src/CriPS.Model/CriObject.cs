namespace CriPS;

/// <summary>What every CriPS object carries: where it came from, so reports over many nodes can group by node.</summary>
public abstract class CriObject
{
    /// <summary>The endpoint the object was read from, e.g. unix:///run/containerd/containerd.sock.</summary>
    public string RuntimeEndpoint { get; set; } = "";

    /// <summary>The host name of the machine that read it.</summary>
    public string ComputerName { get; set; } = "";
}
