// shared/oss/xml.ts's parsing (fast-xml-parser behind our checks): exact shapes, what is refused
// and what is let through on purpose, real OSS documents, and properties on random documents
// against a small model of the expected shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCompleteResult, parseErrorFields, parseInitiateResult, parseListObjectsV2Result, parseListPartsResult, parseListUploadsResult, parseXml, XmlSyntaxError } from '../../shared/oss/xml.ts';
import { OssProtocolError } from '../../shared/oss/errors.ts';

/** Parsed objects compared as JSON (undefined and prototype differences aside, what callers see). */
const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

function same(xml: string, expected: unknown): void {
  assert.deepEqual(plain(parseXml(xml)), expected, `parseXml on ${JSON.stringify(xml)}`);
}

const isSyntaxError = (message: RegExp) => (e: unknown) => e instanceof XmlSyntaxError && message.test(e.message);

// ---------------------------------------------------------------------------------------------
// Shapes

const SHAPES: Array<[string, string, unknown]> = [
  ['pretty-printed, with declaration', '<?xml version="1.0"?>\n<A>\n  <B> x </B>\n  <C></C><D/>\n</A>\n', { A: { B: ' x ', C: '', D: '', '#text': '\n  \n  \n' } }],
  ['text around a child', '<A>t1<B>x</B>t2</A>', { A: { B: 'x', '#text': 't1t2' } }],
  ['leaf text', '<A>x</A>', { A: 'x' }],
  ['empty element', '<A></A>', { A: '' }],
  ['self-closing root', '<A/>', { A: '' }],
  ['whitespace-only text is kept', '<A><B>  </B></A>', { A: { B: '  ' } }],
  ['repeated name -> array', '<A><B>1</B><B>2</B></A>', { A: { B: ['1', '2'] } }],
  ['mixed repeated values', '<A><B><C>1</C></B><B>2</B></A>', { A: { B: [{ C: '1' }, '2'] } }],
  ['repeats not adjacent', '<A><L>x</L><M/><L>y</L></A>', { A: { L: ['x', 'y'], M: '' } }],
  ['attributes skipped, either quote, > and / inside', `<A x="1>2" y='a"/b' z = "'">v<B c="&lt;&amp;"/></A>`, { A: { B: '', '#text': 'v' } }],
  ['comment inside text', '<A><B>a<!--c-->b</B></A>', { A: { B: 'ab' } }],
  ['comment with markup inside', '<A><!-- <B>x</B> --><C/></A>', { A: { C: '' } }],
  ['CDATA is literal', '<A><B>a<![CDATA[<&>&amp;]]>b</B></A>', { A: { B: 'a<&>&amp;b' } }],
  ['CDATA next to a child goes to #text', '<A><![CDATA[x]]><B/></A>', { A: { B: '', '#text': 'x' } }],
  ['empty CDATA adds no #text', '<A><![CDATA[]]><B/></A>', { A: { B: '' } }],
  ['PIs and comments outside and inside the root', '<?xml version="1.0" encoding="UTF-8"?><!--a--><?pi x?><A><?pi y?><B/></A><!--b--><?pi z?>\n', { A: { B: '' } }],
  ['full XML declaration, single quotes', "<?xml version='1.0' encoding='utf-8' standalone='yes' ?><A/>", { A: '' }],
  ['PI targets that only start with xml', '<?xml-stylesheet href="a"?><A><?xmlfoo?></A>', { A: '' }],
  ['leading BOM', '\uFEFF<?xml version="1.0"?><A>x</A>', { A: 'x' }],
  ['whitespace in tags', '<A ><B\n/></A\t>', { A: { B: '' } }],
  ['predefined entities, once', '<A>&lt;&gt;&amp;&quot;&apos;&amp;amp;&amp;nbsp;</A>', { A: '<>&"\'&amp;&nbsp;' }],
  ['numeric references', '<A>&#65;&#x41;&#x6a;&#065;&#x1F600;&#128512;</A>', { A: 'AAjA😀😀' }],
  ['references at the edges of the allowed ranges', '<A>&#9;&#xA;&#xD;&#x20;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;</A>', { A: '\t\n\r \uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}' }],
  ['CR LF and CR become LF; &#13; stays', '<A>a\r\nb\rc&#13;\n<![CDATA[\r\n]]></A>', { A: 'a\nb\nc\r\n\n' }],
  ['literal > and quotes in text', `<A>a>b "c" 'd'</A>`, { A: `a>b "c" 'd'` }],
  ['names: namespace prefix, dash, dot, underscore, non-ASCII', '<ns:A><x-y.z/><_u>1</_u><Ünï/></ns:A>', { 'ns:A': { 'x-y.z': '', _u: '1', Ünï: '' } }],
  ['no trimming', '<A> <B> k </B> </A>', { A: { B: ' k ', '#text': '  ' } }],
  ['a list path with one element is an array', '<ListPartsResult><Part><PartNumber>1</PartNumber></Part></ListPartsResult>', { ListPartsResult: { Part: [{ PartNumber: '1' }] } }],
  ['a list path with a text element is an array', '<ListMultipartUploadsResult><CommonPrefixes>p</CommonPrefixes></ListMultipartUploadsResult>', { ListMultipartUploadsResult: { CommonPrefixes: ['p'] } }],
  ['list paths are paths, not names', '<ListPartsResult><X><Part>1</Part></X></ListPartsResult>', { ListPartsResult: { X: { Part: '1' } } }],
  ['a list name under another root is not a list', '<Other><Part>1</Part></Other>', { Other: { Part: '1' } }],
  ['every list path', '<ListBucketResult><Contents/><CommonPrefixes/></ListBucketResult>', { ListBucketResult: { Contents: [''], CommonPrefixes: [''] } }],
  ['numbers and booleans stay strings', '<A><N>0012</N><E>1e5</E><H>0x1F</H><B>true</B><C>12066172435287683848</C></A>', { A: { N: '0012', E: '1e5', H: '0x1F', B: 'true', C: '12066172435287683848' } }],
  ['whitespace before the root and between misc markup', '\n<?xml-stylesheet href="a"?>\n<!-- c -->\n<A/>\n', { A: '' }],
];
for (const [name, xml, expected] of SHAPES) test(`shape: ${name}`, () => same(xml, expected));

test("a literal ']]>' in text is kept as text (XML forbids it; a lax writer might not escape it)", () => {
  same('<Error><Key>a]]>b</Key></Error>', { Error: { Key: 'a]]>b' } });
});

test('references to control characters, NUL and noncharacters are decoded', () => {
  // The emulator writes a key's or an upload id's control characters this way in error documents.
  same('<A b="&#8;">&#1;&#x1F;&#x7;&#0;&#x0;&#xFFFE;&#xFFFF;</A>', { A: '\u0001\u001F\u0007\u0000\u0000\uFFFE\uFFFF' });
  same('<Error><Code>SignatureDoesNotMatch</Code><StringToSign>PUT\n/b/k&#x1;</StringToSign></Error>', { Error: { Code: 'SignatureDoesNotMatch', StringToSign: 'PUT\n/b/k\u0001' } });
});

test('names that touch Object.prototype are refused; nothing is polluted; absent fields stay absent', () => {
  for (const name of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']) {
    assert.throws(() => parseXml(`<A><${name}>x</${name}></A>`), isSyntaxError(/./), name);
    assert.throws(() => parseInitiateResult(`<InitiateMultipartUploadResult><${name}><polluted>yes</polluted></${name}><UploadId>U</UploadId></InitiateMultipartUploadResult>`), OssProtocolError, name);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // Fields are read as own properties: Object.prototype's names are not fields.
  assert.deepEqual(parseErrorFields('<Error><Code>X</Code></Error>'), { Code: 'X' });
  assert.equal(parseCompleteResult('<CompleteMultipartUploadResult><Key>k</Key></CompleteMultipartUploadResult>').etag, '');
});

// ---------------------------------------------------------------------------------------------
// Errors: all of them XmlSyntaxError, whichever check found them

const ERRORS: Array<[string, string, RegExp]> = [
  ['mismatched end tag', '<A><B>x</C></A>', /Expected closing tag 'B' .* instead of closing tag 'C'\. \(line 1, column 8\)/],
  ['end tag with a longer name', '<A><B>x</BB></A>', /Expected closing tag 'B'/],
  ['end tag with a shorter name', '<A><BB>x</B></A>', /Expected closing tag 'BB'/],
  ['unclosed element', '<A><B>x</B>', /Unclosed tag 'A'/],
  ['unclosed child', '<A><B>', /Invalid .*"A",.*"B"/],
  ['end tag without a start tag', '</A>', /Closing tag 'A' has not been opened/],
  ['end tag after the root', '<A></A></B>', /Closing tag 'B' has not been opened/],
  ['text before the root', 'x<A/>', /char 'x' is not expected\. \(line 1, column 1\)/],
  ['text after the root', '<A/>x', /text outside the root element/],
  ['junk', 'junk', /char 'j' is not expected/],
  ['CDATA outside the root', '<A/><![CDATA[x]]>', /text outside the root element/],
  ['a second root element', '<A/><B/>', /more than one root element/],
  ['empty input', '', /Start tag expected/],
  ['whitespace only', ' \n ', /Start tag expected/],
  ['declaration and comment only', '<?xml version="1.0"?><!-- x -->', /Start tag expected/],
  ['BOM only', '\uFEFF', /Start tag expected/],
  ['DOCTYPE', '<!DOCTYPE A><A/>', /DOCTYPE/],
  ['DOCTYPE with entities', '<?xml version="1.0"?><!DOCTYPE A [<!ENTITY x "yyyy">]><A>&x;</A>', /DOCTYPE/],
  ['other <! markup', '<A><!ELEMENT A ANY></A>', /unknown markup/],
  ['&nbsp;', '<A>&nbsp;</A>', /unknown entity/],
  ['&foo;', '<A>&foo;</A>', /unknown entity/],
  ['bare & in text', '<A>a & b</A>', /char '&' is not expected/],
  ['bare & at the end of text', '<A>a&</A>', /char '&' is not expected/],
  ['reference without ;', '<A>&amp</A>', /char '&' is not expected/],
  ['numeric reference without ;', '<A>&#65</A>', /char '&' is not expected/],
  ['empty numeric reference', '<A>&#;&#x;</A>', /unknown entity/],
  ['&#X (XML wants a lower-case x)', '<A>&#X41;</A>', /char '&' is not expected/],
  ['&#xD800; (surrogate)', '<A>&#xD800;</A>', /no Unicode character/],
  ['&#xDFFF; (surrogate)', '<A>&#xDFFF;</A>', /no Unicode character/],
  ['&#x110000;', '<A>&#x110000;</A>', /no Unicode character/],
  ['huge decimal reference', '<A>&#99999999999999999999999;</A>', /no Unicode character/],
  ['name starting with a digit', '<1A/>', /Tag '1A' is an invalid name/],
  ['name starting with a dash', '<A><-B/></A>', /Tag '-B' is an invalid name/],
  ['space before the name', '< A/>', /Invalid space after '<'/],
  ['empty tag', '<A><></A>', /Invalid space after '<'/],
  ['name starting with \u00B7 (a NameChar, not a NameStartChar)', '<\u00B7/>', /is an invalid name/],
  ['name with \u00D7 (not a name character)', '<A\u00D7/>', /is an invalid name/],
  ['name with U+2000 (a space in JavaScript, not in XML)', '<A\u2000/>', /is an invalid name/],
  ['name with a plane-15 character', '<\u{F0000}/>', /is an invalid name/],
  ['name with a quote', '<A"B/>', /is an invalid name/],
  ['bad end-tag name', '<A></1A>', /Tag '1A' is an invalid name/],
  ['space before an end-tag name', '<A></ A>', /Invalid space after '<'/],
  ['empty end tag', '<A></>', /Invalid space after '<'/],
  ['unterminated end tag', '<A></A', /Closing tag 'A' doesn't have proper closing/],
  ['unterminated start tag', '<A', /Unclosed tag 'A'/],
  ['unterminated comment', '<A><!-- x</A>', /Unclosed tag 'A'/],
  ['unterminated CDATA', '<A><![CDATA[x</A>', /Unclosed tag 'A'/],
  ['unterminated PI', '<A><?pi x</A>', /Unclosed tag 'A'/],
  ['declaration not at the start', ' <?xml version="1.0"?><A/>', /XML declaration allowed only at the start/],
  ['declaration with an unbalanced quote', '<?xml version="1.0" encoding=UTF-8"?><A/>', /Pi Tag is not closed/],
  ['unterminated attribute value', '<A a="x></A>', /have open quote/],
  ['unterminated single-quoted value', "<A a='x></A>", /have open quote/],
  ['unquoted attribute value', '<A a=1/>', /Attribute 'a' is without value/],
  ['attribute without a value', '<A a/>', /boolean attribute 'a' is not allowed/],
  ['attributes without whitespace between', '<A a="1"b="2"/>', /Attribute 'b' has no space in starting/],
  ['/ not followed by >', '<A><B/ ></A>', /has no space in starting/],
  ['nesting deeper than 100', `${'<A>'.repeat(101)}${'</A>'.repeat(101)}`, /Maximum nested tags exceeded/],
  ['very deep nesting (no recursion)', '<A>'.repeat(100_000), /Invalid '\[/],
];
for (const [name, xml, message] of ERRORS) {
  test(`error: ${name}`, () => assert.throws(() => parseXml(xml), isSyntaxError(message)));
}

test('error messages quote at most a few characters of the input', () => {
  const long = 'N'.repeat(5000);
  for (const xml of [`<${long}>`, `<A></${long}>`, `<A>&${long};</A>`, `<A>&${long}</A>`, `<A>&#${'9'.repeat(5000)};</A>`, `<A><${long}></${long}x></A>`, '<A>'.repeat(100_000)]) {
    assert.throws(() => parseXml(xml), (e: unknown) => e instanceof XmlSyntaxError && e.message.length < 130 && !/[N9]{20}/.test(e.message));
  }
});

test('nesting of exactly 100 is accepted', () => {
  const doc = parseXml(`${'<A>'.repeat(100)}x${'</A>'.repeat(100)}`);
  let v: unknown = doc;
  for (let i = 0; i < 100; i++) v = (v as Record<string, unknown>).A;
  assert.equal(v, 'x');
});

// Let through on purpose: markup that is dropped unread (attributes, comments, processing
// instructions, the declaration) is not checked in detail; a name outside the validator's rule is
// refused, though XML allows it (OSS element names are ASCII).
const LAX: Array<[string, string, unknown]> = [
  ['an unknown entity in an attribute value', '<A a="&foo;"/>', { A: '' }],
  ['a bare & in an attribute value', '<A a="&"/>', { A: '' }],
  ['< in an attribute value', '<A a="<"/>', { A: '' }],
  ["'--' inside a comment", '<A><!-- a -- b --></A>', { A: '' }],
  ["a comment ending in '--->'", '<A><!-- a ---></A>', { A: '' }],
  ['a processing instruction without a target', '<A><? x?></A>', { A: '' }],
  ['a declaration after the root', '<A/><?xml version="1.0"?>', { A: '' }],
  ['a declaration without a version', '<?xml encoding="UTF-8"?><A/>', { A: '' }],
  ['a declaration with an unquoted value', '<?xml version="1.0" encoding=UTF-8?><A/>', { A: '' }],
  ['a declaration with an unknown pseudo-attribute', '<?xml version="1.0" foo="bar"?><A/>', { A: '' }],
  ['the reserved PI target XML', '<A><?XML x?></A>', { A: '' }],
];
for (const [name, xml, expected] of LAX) test(`let through: ${name}`, () => same(xml, expected));

test('refused though XML allows it: names with astral characters', () => {
  assert.throws(() => parseXml('<A><\u{10000}a/></A>'), isSyntaxError(/invalid name/));
});

// ---------------------------------------------------------------------------------------------
// Real OSS responses, pretty-printed as OSS sends them

const INITIATE = `<?xml version="1.0" encoding="UTF-8"?>
<InitiateMultipartUploadResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
    <Bucket>oss-example</Bucket>
    <Key>multipart.data</Key>
    <UploadId>0004B9894A22E5B1888A1E29F823****</UploadId>
</InitiateMultipartUploadResult>
`;

const LIST_PARTS = `<?xml version="1.0" encoding="UTF-8"?>
<ListPartsResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
    <Bucket>multipart_upload</Bucket>
    <Key>multipart.data</Key>
    <UploadId>0004B999EF5A239BB9138C6227D6****</UploadId>
    <NextPartNumberMarker>5</NextPartNumberMarker>
    <MaxParts>1000</MaxParts>
    <IsTruncated>false</IsTruncated>
    <Part>
        <PartNumber>1</PartNumber>
        <LastModified>2012-02-23T07:01:34.000Z</LastModified>
        <ETag>"3349DC700140D7F86A0784842780****"</ETag>
        <HashCrc64ecma>12066172435287683848</HashCrc64ecma>
        <Size>6291456</Size>
    </Part>
    <Part>
        <PartNumber>2</PartNumber>
        <LastModified>2012-02-23T07:01:12.000Z</LastModified>
        <ETag>"3349DC700140D7F86A0784842780****"</ETag>
        <HashCrc64ecma>3295234018424387232</HashCrc64ecma>
        <Size>6291456</Size>
    </Part>
    <Part>
        <PartNumber>5</PartNumber>
        <LastModified>2012-02-23T07:02:03.000Z</LastModified>
        <ETag>"7265F4D211B56873A381D321F586****"</ETag>
        <HashCrc64ecma>4529411452497612391</HashCrc64ecma>
        <Size>1024</Size>
    </Part>
</ListPartsResult>
`;

const COMPLETE = `<?xml version="1.0" encoding="UTF-8"?>
<CompleteMultipartUploadResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
    <EncodingType>url</EncodingType>
    <Location>http://oss-example.oss-cn-hangzhou.aliyuncs.com/dir%2Fmultipart.data</Location>
    <Bucket>oss-example</Bucket>
    <Key>dir%2Fmultipart.data</Key>
    <ETag>"B864DB6A936D376F9F8D3ED3BBE5****"</ETag>
</CompleteMultipartUploadResult>
`;

const LIST_UPLOADS = `<?xml version="1.0" encoding="UTF-8"?>
<ListMultipartUploadsResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com">
    <EncodingType>url</EncodingType>
    <Bucket>oss-example</Bucket>
    <KeyMarker></KeyMarker>
    <UploadIdMarker></UploadIdMarker>
    <NextKeyMarker>dir%2Foss.avi</NextKeyMarker>
    <NextUploadIdMarker>0004B99B8E707874FC2D692FA5D7****</NextUploadIdMarker>
    <Delimiter>%2F</Delimiter>
    <Prefix>dir%2F</Prefix>
    <MaxUploads>1000</MaxUploads>
    <IsTruncated>true</IsTruncated>
    <Upload>
        <Key>dir%2Fmultipart+a%2Bb.data</Key>
        <UploadId>0004B999EF518A1FE585B0C9360D****</UploadId>
        <StorageClass>Standard</StorageClass>
        <Initiated>2012-02-23T04:18:23.000Z</Initiated>
    </Upload>
    <Upload>
        <Key>dir%2Foss.avi</Key>
        <UploadId>0004B99B8E707874FC2D692FA5D7****</UploadId>
        <StorageClass>IA</StorageClass>
        <Initiated>2012-02-23T06:14:27.000Z</Initiated>
    </Upload>
    <CommonPrefixes>
        <Prefix>dir%2Fsub%2F</Prefix>
    </CommonPrefixes>
</ListMultipartUploadsResult>
`;

const ERROR_DOC = `<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>SignatureDoesNotMatch</Code>
  <Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>
  <RequestId>5C3D9175B6FC201293AD****</RequestId>
  <HostId>oss-example.oss-cn-hangzhou.aliyuncs.com</HostId>
  <OSSAccessKeyId>LTAI****************</OSSAccessKeyId>
  <SignatureProvided>dGVzdA****</SignatureProvided>
  <StringToSign>PUT

application/octet-stream
Tue, 03 Dec 2024 08:00:00 GMT
/oss-example/dir/a.bin?partNumber=1&amp;uploadId=0004B9894A22E5B1888A1E29F823****</StringToSign>
  <StringToSignBytes>50 55 54 0A 0A 61 70 70 </StringToSignBytes>
  <EC>0002-00000040</EC>
  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0002-00000040</RecommendDoc>
</Error>
`;

test('OSS documents through shared/oss/xml.ts', () => {
  const raw = parseXml(LIST_PARTS).ListPartsResult as Record<string, unknown>;
  const rawParts = raw.Part as Array<Record<string, string>>;
  assert.deepEqual(rawParts.map((p) => p.PartNumber), ['1', '2', '5']);
  assert.equal(rawParts[0].ETag, '"3349DC700140D7F86A0784842780****"');
  assert.equal(rawParts[0].HashCrc64ecma, '12066172435287683848', 'a 20-digit CRC stays a string');
  assert.deepEqual(parseInitiateResult(INITIATE), { bucket: 'oss-example', key: 'multipart.data', uploadId: '0004B9894A22E5B1888A1E29F823****' });
  const page = parseListPartsResult(LIST_PARTS);
  assert.deepEqual(page.parts.map((p) => [p.partNumber, p.size, p.crc64]), [[1, 6291456, 12066172435287683848n], [2, 6291456, 3295234018424387232n], [5, 1024, 4529411452497612391n]]);
  assert.equal(page.nextPartNumberMarker, 5);
  assert.equal(parseCompleteResult(COMPLETE).key, 'dir/multipart.data');
  const uploads = parseListUploadsResult(LIST_UPLOADS);
  assert.deepEqual(uploads.uploads.map((u) => u.key), ['dir/multipart a+b.data', 'dir/oss.avi']);
  assert.deepEqual(uploads.commonPrefixes, ['dir/sub/']);
  assert.equal(uploads.delimiter, '/');
  assert.equal(uploads.isTruncated, true);
  const fields = parseErrorFields(ERROR_DOC)!;
  assert.equal(fields.Code, 'SignatureDoesNotMatch');
  assert.equal(fields.EC, '0002-00000040');
  assert.match(fields.StringToSign, /^PUT\n\napplication\/octet-stream\n.*\n\/oss-example\/dir\/a\.bin\?partNumber=1&uploadId=/);
  for (const bad of ['<InitiateMultipartUploadResult><UploadId>u</UploadId>', 'junk', '', '<!DOCTYPE x><InitiateMultipartUploadResult/>']) {
    assert.throws(
      () => parseInitiateResult(bad),
      (e: unknown) => e instanceof OssProtocolError && e.message === 'InitiateMultipartUpload: response is not well-formed XML' && e.cause instanceof XmlSyntaxError,
    );
  }
  assert.throws(() => parseInitiateResult('<Other/>'), /InitiateMultipartUpload: expected <InitiateMultipartUploadResult>, got <Other>/);
  assert.equal(parseErrorFields('<Error><Code>x</Error>'), undefined, 'not well-formed');
  assert.equal(parseErrorFields('<html><body>Error</body></html>'), undefined);
});

// The strict cases, through the functions the client calls.
const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 ${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('\n ')}
]>
<ListPartsResult><Key>&lol9;</Key></ListPartsResult>`;

const REFUSED: Array<[string, string, RegExp]> = [
  ['DOCTYPE', '<?xml version="1.0"?>\n<!DOCTYPE ListPartsResult>\n<ListPartsResult/>', /DOCTYPE/],
  ['entity bomb (billion laughs)', BILLION_LAUGHS, /DOCTYPE/],
  ['external entity', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><ListPartsResult><Key>&x;</Key></ListPartsResult>', /DOCTYPE/],
  ['DOCTYPE after a comment', '<!-- c --><!DOCTYPE r><ListPartsResult/>', /DOCTYPE/],
  ['DOCTYPE in lower case', '<!doctype r><ListPartsResult/>', /unknown markup/],
  ['ENTITY declaration inside the root', '<ListPartsResult><!ENTITY x "y"></ListPartsResult>', /unknown markup/],
  ['an undeclared entity', '<ListPartsResult><Key>&lol9;</Key></ListPartsResult>', /unknown entity/],
  ['an HTML entity', '<ListPartsResult><Key>&nbsp;</Key></ListPartsResult>', /unknown entity/],
  ['truncated inside a Part', LIST_PARTS.slice(0, LIST_PARTS.indexOf('<Size>1024')), /Unclosed|Invalid/],
  ['truncated inside a tag', LIST_PARTS.slice(0, LIST_PARTS.indexOf('</Part>') + 3), /./],
  ['truncated before the root end tag', LIST_PARTS.slice(0, LIST_PARTS.lastIndexOf('</')), /Unclosed/],
  ['truncated inside a comment', '<ListPartsResult><Part><PartNumber>1</PartNumber></Part><!-- x', /./],
  ['truncated inside CDATA', '<ListPartsResult><Key><![CDATA[k', /./],
  ['two roots', '<ListPartsResult/><ListPartsResult/>', /more than one root/],
  ['a second root after the root', '<ListPartsResult></ListPartsResult><Part/>', /root/],
  ['text after a self-closing root', '<ListPartsResult/>junk', /text outside/],
  ['HTML', '<html><body>ListPartsResult</body>', /./],
];
for (const [name, xml, message] of REFUSED) {
  test(`refused: ${name}`, () => {
    assert.throws(
      () => parseListPartsResult(xml),
      (e: unknown) => e instanceof OssProtocolError && e.message === 'ListParts: response is not well-formed XML' && e.cause instanceof XmlSyntaxError && message.test(e.cause.message),
    );
  });
}

test('refused: a well-formed document with another root', () => {
  for (const [xml, got] of [['<Error><Code>NoSuchUpload</Code></Error>', 'Error'], ['<ListPartsResults/>', 'ListPartsResults']]) {
    assert.throws(() => parseListPartsResult(xml), (e: unknown) => e instanceof OssProtocolError && e.message === `ListParts: expected <ListPartsResult>, got <${got}>` && e.cause === undefined);
  }
});

test('refused: every cut of a ListParts document before its root closes', () => {
  const end = LIST_PARTS.lastIndexOf('</ListPartsResult>') + '</ListPartsResult'.length;
  for (let i = 0; i < end; i++) assert.throws(() => parseListPartsResult(LIST_PARTS.slice(0, i)), OssProtocolError, `cut at ${i}`);
  assert.equal(parseListPartsResult(LIST_PARTS.slice(0, end + 1)).parts.length, 3);
});

const PART = (n: number, attrs = '') => `<Part${attrs}><PartNumber>${n}</PartNumber><LastModified>2012-02-23T07:01:34.000Z</LastModified><ETag>"E${n}"</ETag><Size>5</Size></Part>`;

test('accepted: a single Part, Upload, Contents or CommonPrefixes is a list of one', () => {
  assert.deepEqual(parseListPartsResult(`<ListPartsResult>${PART(7)}</ListPartsResult>`).parts.map((p) => p.partNumber), [7]);
  const uploads = parseListUploadsResult('<ListMultipartUploadsResult><Upload><Key>k</Key><UploadId>U</UploadId><Initiated>2012-02-23T04:18:23.000Z</Initiated></Upload><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListMultipartUploadsResult>');
  assert.deepEqual([uploads.uploads.map((u) => u.uploadId), uploads.commonPrefixes], [['U'], ['p/']]);
  const objects = parseListObjectsV2Result('<ListBucketResult><Contents><Key>k</Key><Size>1</Size><ETag>"E"</ETag><LastModified>2012-02-23T04:18:23.000Z</LastModified></Contents></ListBucketResult>');
  assert.deepEqual(objects.objects.map((o) => o.key), ['k']);
});

test('accepted: attributes are ignored, namespaces and all', () => {
  const withAttrs = `<ListPartsResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com" a='1'>${PART(1, ' id="x" n="2"')}<Key enc="url">k</Key></ListPartsResult>`;
  const without = `<ListPartsResult>${PART(1)}<Key>k</Key></ListPartsResult>`;
  assert.deepEqual(parseListPartsResult(withAttrs), parseListPartsResult(without));
  assert.deepEqual(plain(parseXml('<A x="1"><B y="2">t</B></A>')), { A: { B: 't' } }, 'no attribute keys appear');
});

test('accepted: CDATA is literal text, joined with the text around it', () => {
  const r = parseInitiateResult('<InitiateMultipartUploadResult><Key>a/<![CDATA[<b>&amp;]]>/c&amp;</Key><UploadId><![CDATA[U1]]></UploadId></InitiateMultipartUploadResult>');
  assert.deepEqual([r.key, r.uploadId], ['a/<b>&amp;/c&', 'U1']);
});

test('a 10,000-part ListParts document parses to 10,000 parts', () => {
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult>\n  <Bucket>b</Bucket>\n  <Key>k</Key>\n  <UploadId>U</UploadId>\n';
  for (let i = 1; i <= 10_000; i++) {
    xml += `  <Part>\n    <PartNumber>${i}</PartNumber>\n    <LastModified>2012-02-23T07:01:34.000Z</LastModified>\n    <ETag>"3349DC700140D7F86A078484278075A9"</ETag>\n    <Size>6291456</Size>\n  </Part>\n`;
  }
  xml += '</ListPartsResult>\n';
  assert.ok(xml.length > 1_500_000);
  const parts = (parseXml(xml).ListPartsResult as Record<string, unknown>).Part as Array<Record<string, string>>;
  assert.equal(parts.length, 10_000);
  assert.equal(parts[9999].PartNumber, '10000');
  assert.equal(parseListPartsResult(xml).parts.length, 10_000);
});

// ---------------------------------------------------------------------------------------------
// Properties: random well-formed documents against a model of the expected shape; arbitrary and
// mutated input parses or throws XmlSyntaxError, never anything else

interface El {
  name: string;
  attrs: string;
  sp: string;
  selfClose: boolean;
  content: Array<El | string>; // strings are already serialized (text, comments, CDATA, PIs)
}

const NAMES = ['A', 'B', 'Part', 'Key', 'ns:E', 'x-y', '_z', 'Ünï'];
const NAMED: Record<string, string> = { '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' };
const TEXT_CHARS = ['a', 'Z', '0', ' ', '\n', '\t', '\r', '<', '>', '&', '"', "'", ']', ';', '#', '=', '/', 'é', '€', '😀'];

/** One character, written literally (where allowed), as an entity, a numeric reference or CDATA. */
function encodeChar(c: string, how: number, prev: string): string {
  const cp = c.codePointAt(0)!;
  const literalOk = c !== '<' && c !== '&' && !(c === '>' && prev === ']'); // no literal ']]>'
  if (how === 0 && literalOk) return c;
  if (how <= 1 && NAMED[c]) return `&${NAMED[c]};`;
  if (how === 2) return `&#${cp};`;
  if (how === 3) return `&#x${cp.toString(16)};`;
  if (how === 4) return `&#x${cp.toString(16).toUpperCase()};`;
  return `<![CDATA[${c}]]>`;
}

const ws0 = fc.constantFrom('', '', ' ', '\n', '\t', '\r\n', '  ');
const ws1 = fc.constantFrom(' ', '\n', '\t', '\r\n', '  ');
const text = fc
  .array(fc.tuple(fc.constantFrom(...TEXT_CHARS), fc.nat(5)), { minLength: 1, maxLength: 8 })
  .map((cs) => cs.map(([c, how], i) => encodeChar(c, how, i ? cs[i - 1][0] : '')).join(''));
const whitespace = fc.constantFrom(' ', '\n', '\n  ', '\r\n    ', '\t');
const comment = fc.array(fc.constantFrom('a', ' ', '<', '>', '&', '-x', '\n'), { maxLength: 6 }).map((p) => `<!--${p.join('')}-->`);
const cdata = fc.array(fc.constantFrom('a', ' ', '<', '&amp;', ']', ']]>', '>', '\r\n'), { maxLength: 6 }).map((p) => `<![CDATA[${p.join('').replace(/]]>/g, ']]]]><![CDATA[>')}]]>`);
const pi = fc.constantFrom('<?pi?>', '<?pi some data?>', '<?x-y a="1"?>');
const attrValueChar = fc.tuple(fc.constantFrom('a', ' ', '<', '>', '&', '"', "'", '/', '=', 'é'), fc.nat(3));
const attrs = fc
  .uniqueArray(fc.record({ name: fc.constantFrom('id', 'a:b', 'x-y', '_', 'xmlns'), chars: fc.array(attrValueChar, { maxLength: 5 }), quote: fc.constantFrom('"', "'"), s0: ws0, s1: ws0, lead: ws1 }), {
    selector: (a) => a.name,
    maxLength: 3,
  })
  .map((list) =>
    list
      .map(({ name, chars, quote, s0, s1, lead }) => {
        const value = chars.map(([c, how]) => (c === quote || c === '<' || c === '&' || how === 1 ? `&${NAMED[c] ? NAMED[c] : `#${c.codePointAt(0)}`};` : c)).join('');
        return `${lead}${name}${s0}=${s1}${quote}${value}${quote}`;
      })
      .join(''),
  );

const { element } = fc.letrec((tie) => ({
  element: fc.record({
    name: fc.constantFrom(...NAMES),
    attrs,
    sp: ws0,
    selfClose: fc.boolean(),
    content: fc.array(fc.oneof({ maxDepth: 4, depthIdentifier: 'xml' }, text, whitespace, comment, cdata, pi, tie('element') as fc.Arbitrary<El>), { maxLength: 5 }),
  }),
}));

// Adjacent text pieces could join into ']]>' (a literal ']]' then '>'): keep one apart with a comment.
const joinPieces = (pieces: string[]) => pieces.reduce((acc, s) => acc + (acc.endsWith(']') && s.startsWith('>') ? '<!---->' : '') + s, '');

function serialize(el: El, name = el.name): string {
  if (el.content.length === 0 && el.selfClose) return `<${name}${el.attrs}${el.sp}/>`;
  const inner = joinPieces(el.content.map((c) => (typeof c === 'string' ? c : serialize(c))));
  return `<${name}${el.attrs}${el.sp}>${inner}</${name}${el.sp}>`;
}

/** The model: what a run of serialized character data (text, references, CDATA, comments, PIs) reads as. */
function modelText(raw: string): string {
  const refs = (t: string) => t.replace(/&(?:#x([\da-fA-F]+)|#(\d+)|(\w+));/g, (_m, hex, dec, name) => (name ? { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[name as 'lt']! : String.fromCodePoint(hex ? parseInt(hex, 16) : Number(dec))));
  return raw
    .replace(/\r\n?/g, '\n')
    .replace(/<!--[^]*?-->|<\?[^]*?\?>|<!\[CDATA\[([^]*?)\]\]>|[^<]+/g, (m, cdataText: string | undefined) => (m.startsWith('<!--') || m.startsWith('<?') ? '' : cdataText ?? refs(m)));
}

const MODEL_LISTS = new Set(['ListPartsResult.Part']);

/** The model: an element's value as parseXml gives it (see the header of shared/oss/xml.ts). */
function modelValue(el: El, path: string): unknown {
  let textRun: string[] = [];
  let allText = '';
  const children: Array<[string, unknown]> = [];
  const flush = () => ((allText += modelText(joinPieces(textRun))), (textRun = []));
  for (const c of el.content) {
    if (typeof c === 'string') textRun.push(c);
    else (flush(), children.push([c.name, modelValue(c, `${path}.${c.name}`)]));
  }
  flush();
  if (children.length === 0) return allText;
  const out: Record<string, unknown> = {};
  for (const [name, value] of children) {
    const prev = out[name];
    if (prev === undefined) out[name] = MODEL_LISTS.has(`${path}.${name}`) ? [value] : value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[name] = [prev, value];
  }
  if (allText) out['#text'] = allText;
  return out;
}

const misc = fc.array(fc.oneof(whitespace, comment, pi), { maxLength: 3 }).map((p) => p.join(''));
interface Doc {
  bom: boolean;
  decl: string;
  pre: string;
  root: El;
  post: string;
}
const documentArb: fc.Arbitrary<Doc> = fc.record({ bom: fc.boolean(), decl: fc.constantFrom('', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>\n'), pre: misc, root: element as fc.Arbitrary<El>, post: misc });
// The root is a ListPartsResult, so a generated Part child is a list path.
const serializeDocument = ({ bom, decl, pre, root, post }: Doc) => `${bom ? '\uFEFF' : ''}${decl}${pre}${serialize(root, 'ListPartsResult')}${post}`;

test('property: random well-formed documents parse to the model (2,000 runs)', () => {
  fc.assert(
    fc.property(documentArb, (doc) => {
      assert.deepEqual(plain(parseXml(serializeDocument(doc))), { ListPartsResult: modelValue(doc.root, 'ListPartsResult') });
    }),
    { numRuns: 2000 },
  );
});

function parsesOrSyntaxError(xml: string): boolean {
  try {
    parseXml(xml);
    return true;
  } catch (e) {
    if (e instanceof XmlSyntaxError) return false;
    throw e;
  }
}

test('property: arbitrary strings parse or throw XmlSyntaxError, never anything else', () => {
  const markup = fc.array(fc.constantFrom('<', '>', '/', '</', '/>', 'A', 'B', '&', ';', '#', 'x', '1', '&amp;', '&#', '!', '<!--', '-->', '--', '<![CDATA[', ']]>', ']', '<?', '?>', '"', "'", '=', ' ', '\n', '\r', '\uFEFF', '<!DOCTYPE', 'constructor'), { maxLength: 30 });
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), markup.map((p) => p.join(''))), (s) => {
      parsesOrSyntaxError(s);
    }),
    { numRuns: 2000 },
  );
});

test('property: mutated documents parse, to one root element, or throw XmlSyntaxError', () => {
  const mutation = fc.tuple(fc.constantFrom('truncate', 'insert', 'swap', 'delete'), fc.nat(), fc.constantFrom('<', '&', '>', '/', '"', ']', '-', '?', '!'));
  fc.assert(
    fc.property(documentArb.map(serializeDocument), fc.array(mutation, { minLength: 1, maxLength: 3 }), (doc, mutations) => {
      let xml = doc;
      for (const [kind, n, c] of mutations) {
        const i = n % (xml.length + 1);
        if (kind === 'truncate') xml = xml.slice(0, i);
        else if (kind === 'insert') xml = xml.slice(0, i) + c + xml.slice(i);
        else if (kind === 'delete') xml = xml.slice(0, i) + xml.slice(i + 1);
        else if (i + 1 < xml.length) xml = xml.slice(0, i) + xml[i + 1] + xml[i] + xml.slice(i + 2);
      }
      if (parsesOrSyntaxError(xml)) assert.equal(Object.keys(parseXml(xml)).length, 1);
    }),
    { numRuns: 1000 },
  );
});
