namespace CriPS.Engine.Conversion;

/// <summary>
/// A run of the kubelet's arguments as systemd builds them from ExecStart: the words one $VARIABLE splits into,
/// or words written on ExecStart itself. Assignment is where the variable's value is written in Home's file,
/// for an in-place edit; null when there is none to edit (ExecStart, an Environment= word quoted another way,
/// or kubeadm's variable not yet in its file).
/// </summary>
internal sealed record KubeletUnitArguments(KubeletFlagHome Home, IReadOnlyList<string> Words, EnvFileAssignment? Assignment);
