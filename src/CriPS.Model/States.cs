namespace CriPS;

/// <summary>A pod sandbox's state, named as crictl shows it.</summary>
public enum PodState
{
    Ready = 0,
    NotReady = 1,
}

/// <summary>A container's state, named as crictl shows it.</summary>
public enum ContainerState
{
    Created = 0,
    Running = 1,
    Exited = 2,
    Unknown = 3,
}
