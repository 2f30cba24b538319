"""A cheap script-based language detector: English, Chinese (simplified / traditional), or ``und``.

>>> detect_language("Shares of the chipmaker rose on Monday.")
'en'
>>> detect_language("中芯国际股价周一上涨，这是连续第三个交易日走高。")
'zh-Hans'
>>> detect_language("中芯國際股價週一上漲，這是連續第三個交易日走高。")
'zh-Hant'

Chinese is told from other text by the share of CJK ideographs among letters; simplified from
traditional by counting characters that exist in only one of the two scripts (a table of common
simplified/traditional pairs below). No model, no download.
"""

from __future__ import annotations

import re

# Pairs of (simplified, traditional) characters that differ; each string alternates S, T, S, T…
# Only unambiguous, frequent pairs are listed (characters like 后/後, 干/幹, 里/裏 are left out because the
# simplified form is also a traditional character).
_PAIRS = (
    "这這个個们們来來时時为為说說国國会會对對发發经經过過动動学學实實现現应應关關进進开開长長业業"
    "问問体體从從当當还還样樣机機点點话話车車东東书書买買卖賣电電气氣门門见見间間边邊让讓认認识識"
    "议議论論设設计計语語读讀写寫报報场場导導将將与與万萬亿億价價华華际際级級线線组組织織结結给給"
    "统統总總广廣产產厂廠资資质質费費贸貿银銀钱錢铁鐵钢鋼险險证證涨漲盘盤营營债債汇匯兑兌货貨币幣"
    "额額务務财財税稅图圖脑腦网網络絡术術达達运運输輸远遠选選择擇权權纪紀录錄热熱试試该該请請谈談"
    "调調讯訊义義乐樂传傳众眾优優伤傷亚亞岁歲历歷压壓县縣双雙变變叶葉号號听聽员員响響单單围圍园園"
    "圣聖坏壞块塊坚堅处處备備头頭夺奪奋奮妇婦宝寶宁寧尔爾尽盡层層岛島师師带帶帮幫庆慶库庫废廢异異"
    "张張弹彈强強归歸忆憶态態怀懷恶惡战戰扩擴扫掃护護担擔拥擁换換据據挥揮损損摄攝数數断斷旧舊显顯"
    "杀殺杂雜条條构構标標树樹桥橋检檢楼樓欢歡汉漢沟溝没沒泽澤洁潔济濟测測灵靈灯燈灾災炼煉烟煙爱愛"
    "状狀独獨环環画畫畅暢疗療盖蓋监監矿礦码碼础礎确確种種积積称稱稳穩穷窮竞競笔筆筑築签簽简簡类類"
    "紧緊红紅约約纸紙练練细細终終绍紹续續维維综綜罗羅职職联聯胜勝脸臉节節药藥获獲虽雖补補装裝观觀"
    "规規视視览覽觉覺订訂讨討训訓记記讲講许許评評词詞译譯诉訴询詢负負责責败敗购購贷貸赛賽轮輪软軟"
    "轻輕较較辆輛连連迟遲适適递遞遗遺邮郵钟鐘铜銅错錯键鍵镇鎮闻聞阳陽阴陰队隊陆陸陈陳随隨难難须須"
    "顾顧领領频頻题題风風飞飛饭飯马馬验驗鱼魚鸟鳥齐齊龙龍专專丝絲两兩严嚴丰豐临臨丽麗举舉乱亂争爭"
    "亏虧亲親仅僅仓倉仪儀伟偉伦倫侦偵侧側侨僑储儲儿兒兴興兰蘭养養册冊农農决決况況冻凍净淨减減凤鳳"
    "击擊刘劉则則刚剛创創删刪别別剂劑剧劇劝勸办辦劳勞势勢区區医醫协協卢盧卫衛厅廳厉厲参參叹嘆吗嗎"
    "吨噸启啟员員团團圆圓坛壇执執扬揚扰擾抚撫抢搶拟擬挂掛挡擋挤擠敌敵无無晋晉晓曉暂暫杨楊极極枪槍"
    "柜櫃档檔梦夢欧歐毁毀毕畢汤湯沪滬浅淺浓濃涛濤润潤渐漸湾灣湿濕满滿滚滾灭滅炉爐烂爛烦煩烧燒牵牽"
    "犹猶狱獄献獻玛瑪疯瘋盐鹽礼禮祸禍离離窃竊笼籠粮糧纠糾纤纖级級纯純纲綱纳納纵縱纷紛纹紋纺紡经經"
    "绑綁绕繞绘繪绝絕继繼绩績绪緒绳繩绿綠缓緩编編缘緣缩縮缴繳罚罰罢罷聪聰肃肅肠腸肤膚胁脅脉脈脑腦"
    "脚腳脱脫舰艦艺藝苏蘇荐薦荣榮莱萊虑慮虫蟲蛮蠻誉譽访訪诈詐诊診诗詩诚誠诞誕详詳误誤诸諸诺諾课課"
    "谁誰谋謀谎謊谓謂谢謝谣謠谨謹谱譜贝貝贡貢贤賢账賬贩販贪貪贫貧贯貫贴貼贵貴贺賀赋賦赌賭赏賞赔賠"
    "赖賴赚賺赞贊赠贈赢贏赶趕轨軌转轉轰轟载載辅輔辈輩辉輝辞辭辽遼迁遷迈邁违違逊遜逻邏邓鄧邻鄰郑鄭"
    "释釋鉴鑒针針钓釣钞鈔钥鑰铃鈴铅鉛铺鋪链鏈销銷锁鎖锅鍋锡錫锦錦镜鏡闭閉闯闖闷悶闸閘闹鬧阀閥阁閣"
    "阅閱阵陣阶階隐隱隶隸雾霧韦韋韩韓页頁顶頂项項顺順顿頓预預颗顆颜顏飘飄饮飲饰飾饱飽馆館驱驅驶駛"
    "驻駐驾駕骂罵骗騙骑騎鲁魯鲜鮮鸡雞鸣鳴鸿鴻麦麥齿齒龄齡龟龜这這"
)
SIMPLIFIED_ONLY = frozenset(_PAIRS[0::2])
TRADITIONAL_ONLY = frozenset(_PAIRS[1::2])

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")
_SAMPLE = 4000


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def detect_language(text: str, *, default: str = "en") -> str:
    """``en``, ``zh-Hans``, ``zh-Hant``, or ``und`` for text with no letters.

    Only the first few thousand characters are read; Chinese needs CJK ideographs to make up at least a
    fifth of the letters (an English story quoting a Chinese name stays English).
    """
    sample = text[:_SAMPLE]
    if sample.isascii():
        return default if any(c.isalpha() for c in sample[:200]) or _LATIN.search(sample) else "und"
    cjk = _CJK.findall(sample)
    if not cjk:
        return default if _LATIN.search(sample) else "und"
    latin = len(sample.encode("ascii", "ignore")) * 4 // 5  # about four in five ASCII characters are letters
    # A CJK character carries about a word; compare it with words of ~5 Latin letters.
    if len(cjk) < 2 or len(cjk) * 5 < len(cjk) + latin:
        return default if latin else "und"
    simplified = sum(1 for c in cjk if c in SIMPLIFIED_ONLY)
    traditional = sum(1 for c in cjk if c in TRADITIONAL_ONLY)
    return "zh-Hant" if traditional > simplified else "zh-Hans"


def is_chinese(language: str) -> bool:
    return language.startswith("zh")


#: Frequent characters shared by both scripts (or frequent in either); with the two tables above they tell
#: a right decoding of Chinese bytes (most characters are frequent ones) from a wrong one (random rare ones).
_FREQUENT = (
    "的一是不了人在有我他中来上大和地到以说时要就出可也你对生能而子那得于着下自之年过发后作里用道行所然家"
    "种事成方多么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意无力它与"
    "长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什二等产"
    "或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入"
    "几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指"
    "克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求"
    "据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极"
    "林服快办议往元英士证近失转夫令准布始怎呢存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石"
    "级整府离况亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功吗包片史委乎查轻易早曾除农"
    "找装广显吧阿李标谈吃图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投"
    "某案黑维革划敌致陈律足态护七兴派孩验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段"
    "依批群项故按河米围江织害斗双境客纪采举杀攻父苏密低朋温假股涨跌盘亿港芯片晶圆科技银行投资者季度利润营收"
)
FREQUENT_CJK = frozenset(_FREQUENT) | SIMPLIFIED_ONLY | TRADITIONAL_ONLY


def chinese_plausibility(text: str) -> float:
    """Share of the CJK ideographs in ``text`` that are frequent ones (0 when there are none)."""
    cjk = _CJK.findall(text)
    if not cjk:
        return 0.0
    return sum(1 for c in cjk if c in FREQUENT_CJK) / len(cjk)
