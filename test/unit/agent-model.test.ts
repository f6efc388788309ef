// `--model`: the choice read from the command line, and what the agent process is given for it (never a host
// secret for the handlers, and the host's AWS credentials only through the loopback endpoint).
import { describe, expect, it } from "vitest";
import { CliInputError, parseModelOptions, setUpAgentModel } from "../../infra/local/agent-model.ts";
import { hostCredentialProvider } from "../../infra/local/host-credentials.ts";

describe("parseModelOptions", () => {
  it("defaults to the replay, with or without a recording name", () => {
    expect(parseModelOptions({})).toEqual({ provider: "replay" });
    expect(parseModelOptions({ replay: "node-calculator-push" })).toEqual({
      provider: "replay",
      recording: "node-calculator-push",
    });
  });

  it("reads bedrock:<id> and openai:<model> with its URL", () => {
    expect(parseModelOptions({ model: "bedrock:us.anthropic.claude-sonnet-4-v1:0" })).toEqual({
      provider: "bedrock",
      modelId: "us.anthropic.claude-sonnet-4-v1:0",
    });
    expect(
      parseModelOptions({
        model: "openai:qwen2.5-coder:7b",
        modelUrl: "http://127.0.0.1:11434/v1/",
        modelStream: true,
      }),
    ).toEqual({
      provider: "openai",
      model: "qwen2.5-coder:7b",
      baseUrl: "http://127.0.0.1:11434/v1",
      apiKeyVariable: "OPENAI_API_KEY",
      stream: true,
    });
  });

  it.each([
    [
      { model: "gpt-4o" },
      '--model must be bedrock:<model id or inference profile> or openai:<model name>, got "gpt-4o".',
    ],
    [{ model: "openai:gpt-4o" }, /^--model openai:<model> needs --model-url, the base URL/],
    [
      { model: "openai:m", modelUrl: "ftp://host/v1" },
      '--model-url must be an http:// or https:// URL, got "ftp://host/v1".',
    ],
    [{ model: "openai:m", modelUrl: "http://user:pw@host/v1" }, /must not hold credentials/],
    [
      { model: "openai:m", modelUrl: "http://h/v1", modelKeyEnv: "1BAD" },
      /--model-key-env must name an environment variable/,
    ],
    [{ model: "bedrock:x", modelUrl: "http://h/v1" }, /--model-url is for openai/],
    [{ model: "bedrock:x", replay: "r" }, /--replay and --model exclude each other/],
    [{ modelUrl: "http://h/v1" }, "--model-url needs --model openai:<model name>."],
    [{ model: `bedrock:${"m".repeat(2049)}` }, /at most 2048 characters/],
  ])("refuses %j with a sentence naming the option", (options, message) => {
    expect(() => parseModelOptions(options)).toThrow(CliInputError);
    expect(() => parseModelOptions(options)).toThrow(message);
  });
});

describe("setUpAgentModel", () => {
  it("gives the agent the OpenAI-compatible URL and the key from the named variable", async () => {
    const setup = await setUpAgentModel(
      parseModelOptions({ model: "openai:m", modelUrl: "http://127.0.0.1:11434/v1", modelKeyEnv: "MY_KEY" }),
      { env: { MY_KEY: "sk-local" } },
    );

    expect(setup.environment).toEqual({
      AGENT_MODEL: "openai:m",
      AGENT_MODEL_URL: "http://127.0.0.1:11434/v1",
      AGENT_MODEL_API_KEY: "sk-local",
    });
    expect(setup.hostEndpoints).toEqual(["http://127.0.0.1:11434/v1"]);
    expect(setup.description).not.toContain("sk-local");
    expect(setup.description).toContain("key from MY_KEY");
  });

  it("refuses a named key variable that is not set", async () => {
    await expect(
      setUpAgentModel(
        parseModelOptions({ model: "openai:m", modelUrl: "http://h/v1", modelKeyEnv: "MY_KEY" }),
        {
          env: {},
        },
      ),
    ).rejects.toThrow("--model-key-env MY_KEY: that variable is not set.");
  });

  it("serves the host's AWS credentials to the agent through a loopback endpoint, and only with its token", async () => {
    // Prepare: host keys in the (snapshotted) environment
    const credentials = hostCredentialProvider({
      AWS_ACCESS_KEY_ID: "AKIAHOSTKEY000000001",
      AWS_SECRET_ACCESS_KEY: "host-secret",
    });

    // Act
    const setup = await setUpAgentModel(parseModelOptions({ model: "bedrock:amazon.nova-pro-v1:0" }), {
      env: { AWS_REGION: "eu-west-1" },
      credentials,
    });
    try {
      const env = setup.environment;
      const refused = await fetch(env.AWS_CONTAINER_CREDENTIALS_FULL_URI!);
      const served = await fetch(env.AWS_CONTAINER_CREDENTIALS_FULL_URI!, {
        headers: { authorization: env.AWS_CONTAINER_AUTHORIZATION_TOKEN! },
      });

      // Assess: no key in the agent's environment, the endpoint on loopback, the key only with the token
      expect(env).toMatchObject({ AGENT_MODEL: "bedrock:amazon.nova-pro-v1:0", AWS_REGION: "eu-west-1" });
      expect(JSON.stringify(env)).not.toContain("AKIAHOSTKEY000000001");
      expect(new URL(env.AWS_CONTAINER_CREDENTIALS_FULL_URI!).hostname).toBe("127.0.0.1");
      expect(setup.hostEndpoints).toEqual([new URL(env.AWS_CONTAINER_CREDENTIALS_FULL_URI!).origin]);
      expect(refused.status).toBe(403);
      expect(served.status).toBe(200);
      expect(await served.json()).toMatchObject({
        AccessKeyId: "AKIAHOSTKEY000000001",
        SecretAccessKey: "host-secret",
        Token: "",
        Expiration: expect.any(String),
      });
      expect(setup.credentialsServed()).toBe(1);
    } finally {
      await setup.stop();
    }
  });

  it("says in a sentence that a machine without AWS credentials cannot use Bedrock", async () => {
    const none = async () => {
      throw new Error("no AWS credentials were found on this machine (Could not load credentials)");
    };

    await expect(
      setUpAgentModel(parseModelOptions({ model: "bedrock:m" }), {
        env: { AWS_REGION: "us-east-1" },
        credentials: none,
      }),
    ).rejects.toThrow(
      /^--model bedrock:m uses this machine's AWS credentials, and no AWS credentials were found on this machine .*: sign in/,
    );
  });
});

describe("hostCredentialProvider", () => {
  it("keeps the environment's keys as they were when created, whatever the process sets later", async () => {
    const env: NodeJS.ProcessEnv = { AWS_ACCESS_KEY_ID: "AKIABEFORE0000000001", AWS_SECRET_ACCESS_KEY: "s" };
    const provider = hostCredentialProvider(env);

    env.AWS_ACCESS_KEY_ID = "AKIDLOCALREPAIR";

    expect((await provider()).accessKeyId).toBe("AKIABEFORE0000000001");
  });
});
