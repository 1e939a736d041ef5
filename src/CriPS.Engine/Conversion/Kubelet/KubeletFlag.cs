namespace CriPS.Engine.Conversion;

/// <summary>
/// One kubelet flag as written: --name=value, --name value (ValueToken is then the value's token) or a bare --name
/// (Value null). Token indexes point into the KubeletFlagList it came from.
/// </summary>
internal sealed record KubeletFlag(string Name, string? Value, int Token, int? ValueToken)
{
    public override string ToString() => Value is null ? "--" + Name : $"--{Name}={Value}";
}
