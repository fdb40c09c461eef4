/**
 * JSON Schemas (draft-07: `s verify` compiles them with Ajv's default dialect) for the props s.yaml
 * gives the Serverless Devs components fc3 and fc3-domain. The stub component
 * (test/fixtures/serverless-devs) hands them to the real `s verify`.
 *
 * Written here, not copied: the components' published schema.json files are fetched data, which
 * may not live in this repo. Each rule states a fact of the fc3 / fc3-domain interfaces
 * (devsapp/fc3 `src/interface/*.ts`, devsapp/fc3-domain `src/schema.json`) or an FC 3.0 limit
 * (docs/fc.md); for every prop s.yaml uses they accept and refuse what the published schemas do
 * (compared once; see the commit that added this file), except where they are deliberately stricter:
 *  - a prop, trigger type or config key not described here fails (the published schemas accept
 *    any prop name, so a misspelt `logConfig` would deploy no logging);
 *  - a trigger's config is checked against its `triggerType` (the published `anyOf` lets any
 *    object through), and names, runtimes and variable names follow FC's own rules.
 * A prop s.yaml starts using gets its rule here first.
 */
type Schema = { [key: string]: unknown };

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const strict = (properties: Record<string, Schema>, required: string[]): Schema => ({ type: 'object', properties, required, additionalProperties: false });

const HTTP_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/** Regions both components accept (fc3-domain's list is the shorter one). */
const REGIONS = [
  'ap-northeast-1', 'ap-northeast-2', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-5', 'ap-southeast-7',
  'cn-beijing', 'cn-chengdu', 'cn-hangzhou', 'cn-hongkong', 'cn-huhehaote', 'cn-qingdao', 'cn-shanghai', 'cn-shenzhen', 'cn-zhangjiakou',
  'eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-1',
];

/** OSS trigger events (the `oss:` prefix is part of the name in the trigger config). */
const OSS_EVENTS = [
  'oss:ObjectCreated:*', 'oss:ObjectCreated:PutObject', 'oss:ObjectCreated:PostObject', 'oss:ObjectCreated:CopyObject',
  'oss:ObjectCreated:AppendObject', 'oss:ObjectCreated:PutSymlink', 'oss:ObjectCreated:InitiateMultipartUpload',
  'oss:ObjectCreated:UploadPart', 'oss:ObjectCreated:UploadPartCopy', 'oss:ObjectCreated:CompleteMultipartUpload',
  'oss:ObjectModified:UpdateObjectMeta', 'oss:ObjectRemoved:DeleteObject', 'oss:ObjectRemoved:DeleteObjects',
  'oss:ObjectRemoved:AbortMultipartUpload',
];

const TRIGGER_CONFIGS: Record<string, Schema> = {
  http: strict(
    {
      authType: { enum: ['anonymous', 'function', 'jwt'] },
      methods: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: HTTP_METHODS } },
      disableURLInternet: bool,
    },
    ['authType', 'methods'],
  ),
  // cronExpression: six fields (sec min hour day month weekday) or `@every <duration>`.
  timer: strict({ cronExpression: { type: 'string', pattern: '^(@every \\S+|\\S+( \\S+){5})$' }, enable: bool, payload: str }, ['cronExpression', 'enable']),
  oss: strict(
    {
      events: { type: 'array', minItems: 1, items: { enum: OSS_EVENTS } },
      // The component requires both keys; '' matches everything.
      filter: strict({ key: strict({ prefix: str, suffix: str }, ['prefix', 'suffix']) }, ['key']),
    },
    ['events', 'filter'],
  ),
};

const trigger: Schema = {
  ...strict(
    {
      // FC: letters, digits, _ and -, starting with a letter or _, at most 128 characters.
      triggerName: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_-]{0,127}$' },
      triggerType: { enum: Object.keys(TRIGGER_CONFIGS) },
      description: str,
      qualifier: str,
      sourceArn: str,
      invocationRole: str,
      triggerConfig: { type: 'object' },
    },
    ['triggerName', 'triggerType', 'triggerConfig'],
  ),
  allOf: Object.entries(TRIGGER_CONFIGS).map(([type, config]) => ({
    if: { required: ['triggerType'], properties: { triggerType: { const: type } } },
    then: { properties: { triggerConfig: config } },
  })),
};

const logConfig: Schema = {
  anyOf: [
    // fc3 creates (or reuses) a project and logstore for the account and region.
    { const: 'auto' },
    strict(
      {
        project: str,
        logstore: str,
        enableRequestMetrics: bool,
        enableInstanceMetrics: bool,
        enableLlmMetrics: bool,
        logBeginRule: { enum: ['DefaultRegex', 'None'] },
      },
      ['project', 'logstore'],
    ),
  ],
};

// fc3 IAsyncInvokeConfig: FC's asynchronous invocation of the function (retries, event age, destinations).
const destination = strict({ destination: str }, ['destination']);
const asyncInvokeConfig: Schema = strict(
  {
    asyncTask: bool,
    maxAsyncRetryAttempts: { type: 'integer', minimum: 0, maximum: 8 },
    maxAsyncEventAgeInSeconds: { type: 'integer', minimum: 1, maximum: 2_592_000 },
    qualifier: str,
    destinationConfig: strict({ onFailure: destination, onSuccess: destination }, []),
  },
  [],
);

export const FC3_SCHEMA: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  ...strict(
    {
      region: { enum: REGIONS },
      // FC: letters, digits, _ and -, starting with a letter or _, at most 64 characters.
      functionName: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$' },
      description: str,
      // The built-in Node.js runtimes (fc3 accepts every FC runtime; our bundles are Node's).
      runtime: { enum: ['nodejs18', 'nodejs20'] },
      handler: { type: 'string', pattern: '^[^.\\s]+\\.[A-Za-z_$][\\w$]*$' },
      // A folder or .zip to upload (fc3 also takes {ossBucketName, ossObjectName, src}).
      code: { type: 'string', minLength: 1 },
      memorySize: { type: 'integer', minimum: 128, maximum: 32768, multipleOf: 64 },
      cpu: { type: 'number', minimum: 0.05, maximum: 16 },
      timeout: { type: 'integer', minimum: 1, maximum: 86400 },
      internetAccess: bool,
      role: str,
      logConfig,
      // FC: string values; names start with a letter and use letters, digits and _.
      environmentVariables: { type: 'object', propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]*$' }, additionalProperties: str },
      triggers: { type: 'array', items: trigger },
      asyncInvokeConfig,
    },
    // Built-in runtimes need code and handler besides what every function needs.
    ['region', 'functionName', 'runtime', 'code', 'handler'],
  ),
};

export const FC3_DOMAIN_SCHEMA: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  ...strict(
    {
      region: { enum: REGIONS },
      domainName: str,
      protocol: { enum: ['HTTP', 'HTTPS', 'HTTP,HTTPS'] },
      // A certificate in Certificate Management Service, or one given inline.
      certConfig: { anyOf: [strict({ certId: str }, ['certId']), strict({ certName: str, certificate: str, privateKey: str }, ['certName', 'certificate', 'privateKey'])] },
      routeConfig: strict(
        {
          routes: {
            type: 'array',
            minItems: 1,
            items: strict({ path: str, functionName: str, qualifier: str, methods: { type: 'array', items: { enum: HTTP_METHODS } } }, ['path', 'functionName']),
          },
        },
        ['routes'],
      ),
    },
    ['region', 'domainName', 'protocol', 'routeConfig'],
  ),
};
