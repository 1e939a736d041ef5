namespace CriPS.Engine.Conversion;

/// <summary>How a program run by <see cref="Executables.RunAsync"/> ended, and what it printed.</summary>
internal sealed record ProgramResult(int ExitCode, string Output, string Error);
